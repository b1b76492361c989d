import * as vscode from "vscode";

/** The subset of the server's `qwen.stats` answer that the status bar shows. */
export interface Stats {
  requests: number;
  model_calls: number;
  cache_hits: number;
  prompt_tokens: number;
  reused_prompt_tokens: number;
  generated_tokens: number;
  cancelled: number;
  latency_ms: { p50: number; p95: number };
  /** The times from the keystroke to the suggestion in VS Code that this extension reported
   * (`client`), beside the server's latency of those same answers (`server`). */
  felt_latency_ms?: { answers: number; client: { p50: number }; server: { p50: number } };
  /** Of the suggestions shown, how many the user kept (lifetime figures, kept on the machine). */
  acceptance?: {
    shown: number;
    accepted: number;
    partly_accepted: number;
    shown_chars: number;
    kept_chars: number;
    acceptance_rate: number;
  };
  /** The model worker, as the server sees it. */
  worker?: {
    state: "stopped" | "loading" | "ready" | "failed";
    model: string;
    error: string;
    /** "local" (this machine) or the remote server's kind: "openai", "llamacpp". */
    backend?: string;
    /** Where the code is sent: "localhost" or the server's host:port. */
    host?: string;
  };
}

export type State =
  | { kind: "starting" }
  | { kind: "working"; title: string; message?: string; percentage?: number }
  | { kind: "ready" }
  | { kind: "off" }
  | { kind: "error"; message: string };

/** "12 shown, 5 accepted, 3 partly (kept 210 of 640 characters), rate 67%"; "" before any. */
export function acceptanceSummary(stats: Stats): string {
  const a = stats.acceptance;
  if (!a?.shown) {
    return "";
  }
  return (
    `${a.shown} shown, ${a.accepted} accepted, ${a.partly_accepted} partly ` +
    `(kept ${a.kept_chars} of ${a.shown_chars} characters), rate ${Math.round(100 * a.acceptance_rate)}%`
  );
}

/** "qwen-lsp: loading model" → "loading model": the item already says Qwen. */
function shortTitle(title: string): string {
  return title.replace(/^(qwen-lsp|qwen)\s*:\s*/i, "");
}

/** The status bar item: tells the truth about the server, opens the Qwen menu when clicked. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: State = { kind: "starting" };
  private lastLatencyMs: number | undefined;
  private stats: Stats | undefined;

  constructor(command: string) {
    this.item = vscode.window.createStatusBarItem("qwen.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "Qwen LSP";
    this.item.command = command;
    this.render();
    this.item.show();
  }

  get current(): State {
    return this.state;
  }

  /** A new server: forget the old one's numbers. */
  reset(): void {
    this.lastLatencyMs = undefined;
    this.stats = undefined;
    this.set({ kind: "starting" });
  }

  set(state: State): void {
    this.state = state;
    this.render();
  }

  /** Latency the editor saw for the last completion request, in ms. */
  completed(latencyMs: number): void {
    this.lastLatencyMs = latencyMs;
    this.render();
  }

  updateStats(stats: Stats): void {
    this.stats = stats;
    this.render();
  }

  private render(): void {
    const item = this.item;
    const s = this.state;
    item.backgroundColor = undefined;
    switch (s.kind) {
      case "starting":
        item.text = "$(loading~spin) Qwen: starting";
        item.tooltip = "Starting the qwen-lsp server…";
        break;
      case "working": {
        const pct = s.percentage === undefined ? "" : ` ${Math.round(s.percentage)}%`;
        item.text = `$(loading~spin) Qwen: ${shortTitle(s.title)}${pct}`;
        item.tooltip = [s.title, s.message].filter(Boolean).join(": ");
        break;
      }
      case "ready":
        item.text = `$(sparkle) Qwen${this.remoteHost()}: ${this.readyDetail()}`;
        item.tooltip = [this.servedBy(), this.statsTooltip()].filter(Boolean).join("\n");
        break;
      case "off":
        item.text = "$(circle-slash) Qwen: off";
        item.tooltip = "Inline completions are off (qwen.completion.enabled). Click to turn them on.";
        break;
      case "error":
        item.text = "$(error) Qwen: error";
        item.tooltip = `${s.message}\n\nClick for options (restart, open logs).`;
        item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        break;
    }
  }

  /** " @ host:port" when a remote server gets the code: nobody sends it off unawares. */
  private remoteHost(): string {
    const worker = this.stats?.worker;
    return worker?.backend && worker.backend !== "local" && worker.host ? ` @ ${worker.host}` : "";
  }

  private servedBy(): string {
    const worker = this.stats?.worker;
    if (!worker?.backend) {
      return "";
    }
    if (worker.backend === "local") {
      return `Model: ${worker.model}, in a worker on this machine (no code leaves it).`;
    }
    return `Model: ${worker.model}, served by the ${worker.backend} server at ${worker.host}: your code is sent there.`;
  }

  private readyDetail(): string {
    if (this.lastLatencyMs === undefined) {
      return "ready";
    }
    const parts = [`${Math.round(this.lastLatencyMs)} ms`];
    const reuse = this.reuse();
    if (reuse !== undefined) {
      parts.push(`${reuse}% cached`);
    }
    const acceptance = this.stats?.acceptance;
    if (acceptance?.shown) {
      parts.push(`${Math.round(100 * acceptance.acceptance_rate)}% accepted`);
    }
    return parts.join(" · ");
  }

  private reuse(): number | undefined {
    const st = this.stats;
    return st && st.prompt_tokens > 0
      ? Math.round((100 * st.reused_prompt_tokens) / st.prompt_tokens)
      : undefined;
  }

  private statsTooltip(): string {
    const st = this.stats;
    if (!st) {
      return "qwen-lsp is ready. Click for options.";
    }
    return [
      "qwen-lsp is ready.",
      `Last completion: ${this.lastLatencyMs === undefined ? "–" : `${Math.round(this.lastLatencyMs)} ms`}`,
      `Latency p50 ${st.latency_ms.p50} ms, p95 ${st.latency_ms.p95} ms`,
      ...(st.felt_latency_ms?.answers ? [feltSummary(st.felt_latency_ms)] : []),
      `Prompt tokens served from the KV cache: ${this.reuse() ?? 0}%`,
      `Requests ${st.requests}, model calls ${st.model_calls}, cache hits ${st.cache_hits}`,
      `Suggestions: ${acceptanceSummary(st) || "none shown yet"}`,
    ].join("\n");
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** "In VS Code p50 41 ms from the keystroke (the server's 39 ms, 12 suggestions)". */
export function feltSummary(felt: NonNullable<Stats["felt_latency_ms"]>): string {
  const { answers, client, server } = felt;
  return `In VS Code p50 ${client.p50} ms from the keystroke (the server's ${server.p50} ms, ${answers} suggestions)`;
}
