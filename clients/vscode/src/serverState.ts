import type * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";

import { SERVER_CMD } from "./commands";
import { errorText } from "./messages";
import type { ActiveProgress } from "./progress";
import { completionsEnabled } from "./settings";
import { acceptanceSummary, feltSummary, type Stats, type StatusBar } from "./status";

/** Stats are fetched this long after the last completion, so typing costs no extra requests. */
const STATS_DELAY_MS = 300;
/** How often to ask about a model that is still loading when no progress arrives. */
const SYNC_POLL_MS = 1000;

/** Keeps the status bar in step with what the server says about its model (`qwen.stats`). */
export class ServerState implements vscode.Disposable {
  private statsTimer: NodeJS.Timeout | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private working = false;
  private lastAcceptance = "";
  private lastFelt = "";

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly status: StatusBar,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Work-done progress began or changed (`active`), or all of it ended (undefined). */
  progress(active: ActiveProgress | undefined): void {
    this.working = active !== undefined;
    if (active) {
      this.status.set({ kind: "working", ...active });
    } else {
      void this.sync();
    }
  }

  /**
   * Show what the server says about its model (`qwen.stats` → worker.state), not a guess: the
   * server answers before its model has loaded.
   */
  async sync(): Promise<void> {
    clearTimeout(this.syncTimer);
    if (!this.idle()) {
      return;
    }
    let stats: Stats | undefined;
    try {
      stats = await this.fetchStats();
    } catch (err) {
      this.output.warn(`qwen.stats: ${errorText(err)}`);
    }
    // Progress may have begun, or the server stopped, while we asked.
    if (!this.idle()) {
      return;
    }
    const worker = stats?.worker;
    switch (worker?.state) {
      case "failed":
        this.status.set({ kind: "error", message: worker.error || "The model failed to load." });
        return;
      case "stopped":
      case "loading":
        // Progress reports will follow; poll in case the server sends none.
        this.status.set(worker.state === "loading" ? { kind: "working", title: "loading model" } : { kind: "starting" });
        this.syncTimer = setTimeout(() => void this.sync(), SYNC_POLL_MS);
        return;
    }
    if (stats) {
      this.status.updateStats(stats);
    }
    this.status.set({ kind: completionsEnabled() ? "ready" : "off" });
  }

  /** Refresh the stats shortly after a completion or an acceptance. */
  scheduleStats(): void {
    clearTimeout(this.statsTimer);
    this.statsTimer = setTimeout(() => {
      this.fetchStats().then(
        (stats) => {
          if (stats) {
            this.status.updateStats(stats);
            this.logAcceptance(stats);
          }
        },
        (err: unknown) => {
          this.output.debug(`qwen.stats: ${errorText(err)}`);
        },
      );
    }, STATS_DELAY_MS);
  }

  async fetchStats(): Promise<Stats | undefined> {
    const client = this.client();
    if (!client?.isRunning()) {
      return undefined;
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, {
      command: SERVER_CMD.stats,
      arguments: [],
    })) as Stats;
  }

  /** Running, and no progress of its own to show. */
  private idle(): boolean {
    return !this.working && this.client()?.isRunning() === true;
  }

  /** One log line each time the acceptance figures change, and the felt latency's. */
  private logAcceptance(stats: Stats): void {
    const summary = acceptanceSummary(stats);
    if (summary && summary !== this.lastAcceptance) {
      this.lastAcceptance = summary;
      this.output.info(`Acceptance: ${summary}`);
    }
    const felt = stats.felt_latency_ms?.answers ? feltSummary(stats.felt_latency_ms) : "";
    if (felt && felt !== this.lastFelt) {
      this.lastFelt = felt;
      this.output.info(`Felt latency: ${felt}`);
    }
  }

  dispose(): void {
    clearTimeout(this.statsTimer);
    clearTimeout(this.syncTimer);
  }
}
