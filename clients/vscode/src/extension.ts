import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type Middleware,
  MessageType,
  RevealOutputChannelOn,
  ShowMessageNotification,
  type ShowMessageParams,
  State as ClientState,
} from "vscode-languageclient/node";

import { ACCEPT_COMMAND, AcceptanceReporter } from "./acceptance";
import { pipeServerLog } from "./log";
import { withSource } from "./messages";
import { PrewarmFeature } from "./prewarm";
import { ProgressStatusFeature } from "./progress";
import { resolveServer, ServerNotFoundError } from "./server";
import { completionsEnabled, debounceMs, SECTION, serverSection, serverSettings } from "./settings";
import { acceptanceSummary, type Stats, StatusBar } from "./status";

/** Commands of this extension (the server's own `qwen.*` commands are registered by the client). */
const CMD = {
  menu: "qwenLsp.menu",
  restart: "qwenLsp.restart",
  toggleCompletions: "qwenLsp.toggleCompletions",
  showStats: "qwenLsp.showStats",
  generateDocs: "qwenLsp.generateDocs",
  openLogs: "qwenLsp.openLogs",
  acceptNextWord: "qwenLsp.acceptNextWord",
  acceptNextLine: "qwenLsp.acceptNextLine",
} as const;

/** `workspace/executeCommand` commands the server offers. */
const SERVER_CMD = {
  stats: "qwen.stats",
  generateDocs: "qwen.generateDocs",
  refactor: "qwen.refactor",
} as const;

/** Stats are fetched this long after the last completion, so typing costs no extra requests. */
const STATS_DELAY_MS = 300;
/** How often to ask about a model that is still loading when no progress arrives. */
const SYNC_POLL_MS = 1000;

class QwenExtension implements vscode.Disposable {
  private client: LanguageClient | undefined;
  /** Set once the server has started, so a later stop is reported as a crash. */
  private started = false;
  private stopping = false;
  private statsTimer: NodeJS.Timeout | undefined;
  private working = false;
  private syncTimer: NodeJS.Timeout | undefined;
  readonly output = vscode.window.createOutputChannel("Qwen LSP", { log: true });
  readonly status = new StatusBar(CMD.menu);
  readonly acceptance = new AcceptanceReporter(
    () => this.client,
    () => {
      this.scheduleStats();
    },
  );
  private lastAcceptance = "";

  async start(): Promise<void> {
    this.status.reset();
    let server;
    try {
      server = resolveServer();
    } catch (err) {
      if (err instanceof ServerNotFoundError) {
        this.fail(err.message, ["Open Settings"]);
        return;
      }
      throw err;
    }
    this.output.info(`Starting ${server.command} ${server.args.join(" ")} (from ${server.source})`);

    const client = new LanguageClient(
      "qwen",
      "Qwen LSP",
      { command: server.command, args: server.args },
      this.clientOptions(),
    );
    client.registerFeature(
      new ProgressStatusFeature(client, (active) => {
        this.working = active !== undefined;
        if (active) {
          this.status.set({ kind: "working", ...active });
        } else {
          void this.syncState();
        }
      }),
    );
    client.registerFeature(new PrewarmFeature(client));
    client.registerFeature({
      fillClientCapabilities: () => undefined,
      getState: () => ({ kind: "static" }),
      clear: () => undefined,
      // Replaces the client's own showMessage handler: errors also turn the status bar red.
      initialize: () => {
        client.onNotification(ShowMessageNotification.type, (msg) => {
          this.serverMessage(msg);
        });
      },
    });
    client.onDidChangeState(({ newState }) => {
      if (newState === ClientState.Stopped && this.started && !this.stopping) {
        this.fail("The qwen-lsp server stopped. See the log for why.", ["Restart"]);
      } else if (newState === ClientState.Running && this.started) {
        // The client restarted a crashed server by itself.
        this.status.set({ kind: "starting" });
        void this.syncState();
      }
    });
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      this.fail(`The qwen-lsp server failed to start: ${errorText(err)}`, ["Restart"]);
      return;
    }
    this.started = true;
    await this.syncState();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.started = false;
    if (client) {
      this.stopping = true;
      try {
        await client.dispose(5000);
      } catch (err) {
        this.output.warn(`Stopping the server: ${errorText(err)}`);
      } finally {
        this.stopping = false;
      }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private clientOptions(): LanguageClientOptions {
    const middleware: Middleware = {
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        if (!completionsEnabled()) {
          return null;
        }
        // Debounce: VS Code cancels this request when the next keystroke comes.
        if (context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic) {
          await sleep(debounceMs());
          if (token.isCancellationRequested) {
            return null;
          }
        }
        const started = performance.now();
        const result = await next(document, position, context, token);
        if (!token.isCancellationRequested) {
          this.status.completed(performance.now() - started);
          this.acceptance.offered(document, position, result);
          this.scheduleStats();
        }
        return result;
      },
      executeCommand: async (command, args, next) => {
        if (command === SERVER_CMD.refactor) {
          // The server's Refactor… action carries the selection; the instruction is the user's.
          const instruction = await vscode.window.showInputBox({
            title: "Qwen: Refactor",
            prompt: "How should this code change?",
            placeHolder: "e.g. extract the loop body into a function",
            ignoreFocusOut: true,
          });
          if (!instruction?.trim()) {
            return undefined;
          }
          const [data, ...rest] = args as unknown[];
          const withInstruction = typeof data === "object" && data !== null ? { ...data, instruction } : { instruction };
          return (await next(command, [withInstruction, ...rest])) as unknown;
        }
        const result = (await next(command, args)) as unknown;
        if (command === ACCEPT_COMMAND) {
          this.scheduleStats();
        }
        return result;
      },
      workspace: {
        // The `qwen` section minus the extension's own `qwen.server.*` keys.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map(({ section }, i) =>
            section === SECTION || section?.startsWith(`${SECTION}.`)
              ? serverSection(section)
              : (answers[i] as unknown),
          );
        },
      },
    };
    return {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      initializationOptions: serverSettings(),
      outputChannel: this.output,
      stdioOptions: { stdout: pipeServerLog, stderr: pipeServerLog },
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      // start() rejects and we say why; the client's own popup would repeat it.
      initializationFailedHandler: () => false,
      middleware,
    };
  }

  /**
   * Show what the server says about its model (`qwen.stats` → worker.state), not a guess: the
   * server answers before its model has loaded.
   */
  private async syncState(): Promise<void> {
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
        this.syncTimer = setTimeout(() => void this.syncState(), SYNC_POLL_MS);
        return;
    }
    if (stats) {
      this.status.updateStats(stats);
    }
    this.status.set({ kind: completionsEnabled() ? "ready" : "off" });
  }

  /** Running, and no progress of its own to show. */
  private idle(): boolean {
    return !this.working && this.client?.isRunning() === true;
  }

  private fail(message: string, actions: string[]): void {
    this.output.error(message);
    this.status.set({ kind: "error", message });
    void vscode.window
      .showErrorMessage(withSource(message), ...actions, "Open Logs")
      .then((choice) => this.runAction(choice));
  }

  private serverMessage({ type, message }: ShowMessageParams): void {
    if (type === MessageType.Error) {
      this.fail(message, ["Restart"]);
    } else if (type === MessageType.Warning) {
      void vscode.window.showWarningMessage(withSource(message));
    } else {
      void vscode.window.showInformationMessage(withSource(message));
    }
  }

  private async runAction(choice: string | undefined): Promise<void> {
    switch (choice) {
      case "Open Settings":
        await vscode.commands.executeCommand("workbench.action.openSettings", "qwen.server");
        break;
      case "Restart":
        await this.restart();
        break;
      case "Open Logs":
        this.output.show();
        break;
    }
  }

  /** Called when settings change: the server command needs a restart, the rest a notification. */
  async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (event.affectsConfiguration(`${SECTION}.server`)) {
      await this.restart();
      return;
    }
    if (!event.affectsConfiguration(SECTION)) {
      return;
    }
    if (this.client?.isRunning()) {
      const settings = serverSettings();
      this.output.info(`Settings changed; sent to the server: ${JSON.stringify(settings)}`);
      await this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: settings },
      });
      await this.syncState();
    }
  }

  private scheduleStats(): void {
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

  /** One log line each time the acceptance figures change. */
  private logAcceptance(stats: Stats): void {
    const summary = acceptanceSummary(stats);
    if (summary && summary !== this.lastAcceptance) {
      this.lastAcceptance = summary;
      this.output.info(`Acceptance: ${summary}`);
    }
  }

  private async fetchStats(): Promise<Stats | undefined> {
    if (!this.client?.isRunning()) {
      return undefined;
    }
    return (await this.client.sendRequest(ExecuteCommandRequest.type, {
      command: SERVER_CMD.stats,
      arguments: [],
    })) as Stats;
  }

  async showStats(): Promise<void> {
    const stats = await this.fetchStats();
    if (!stats) {
      void vscode.window.showWarningMessage("Qwen: the server is not running.");
      return;
    }
    this.status.updateStats(stats);
    const doc = await vscode.workspace.openTextDocument({
      language: "json",
      content: JSON.stringify(stats, null, 2),
    });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async toggleCompletions(): Promise<void> {
    const config = vscode.workspace.getConfiguration(SECTION);
    const inspected = config.inspect<boolean>("completion.enabled");
    // Flip it where it is set, so a workspace value does not silently win over ours.
    const target =
      inspected?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : inspected?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await config.update("completion.enabled", !completionsEnabled(), target);
  }

  async generateDocs(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showInformationMessage("Qwen: open a file to document first.");
      return;
    }
    if (!this.client?.isRunning()) {
      void vscode.window.showWarningMessage("Qwen: the server is not running.");
      return;
    }
    if (!this.serverHas(SERVER_CMD.generateDocs)) {
      void vscode.window.showWarningMessage("Qwen: this qwen-lsp cannot generate docs; update it.");
      return;
    }
    // Progress and the edit come from the server (work-done progress, workspace/applyEdit).
    await this.client.sendRequest(ExecuteCommandRequest.type, {
      command: SERVER_CMD.generateDocs,
      arguments: [editor.document.uri.toString()],
    });
  }

  private serverHas(command: string): boolean {
    return this.client?.initializeResult?.capabilities.executeCommandProvider?.commands.includes(command) === true;
  }

  async menu(): Promise<void> {
    const items: (vscode.QuickPickItem & { run: () => unknown })[] = [
      { label: "$(debug-restart) Restart server", run: () => this.restart() },
      {
        label: completionsEnabled() ? "$(circle-slash) Disable completions" : "$(check) Enable completions",
        run: () => this.toggleCompletions(),
      },
      { label: "$(graph) Show stats", run: () => this.showStats() },
      { label: "$(book) Generate docs for this file", run: () => this.generateDocs() },
      {
        label: "$(output) Open logs",
        run: () => {
          this.output.show();
        },
      },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: "Qwen LSP" });
    await picked?.run();
  }

  dispose(): void {
    clearTimeout(this.statsTimer);
    clearTimeout(this.syncTimer);
    this.status.dispose();
    this.output.dispose();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

let extension: QwenExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const ext = new QwenExtension();
  extension = ext;
  context.subscriptions.push(
    ext,
    vscode.commands.registerCommand(CMD.menu, () => ext.menu()),
    vscode.commands.registerCommand(CMD.restart, () => ext.restart()),
    vscode.commands.registerCommand(CMD.toggleCompletions, () => ext.toggleCompletions()),
    vscode.commands.registerCommand(CMD.showStats, () => ext.showStats()),
    vscode.commands.registerCommand(CMD.generateDocs, () => ext.generateDocs()),
    vscode.commands.registerCommand(CMD.acceptNextWord, () => ext.acceptance.acceptNext("word")),
    vscode.commands.registerCommand(CMD.acceptNextLine, () => ext.acceptance.acceptNext("line")),
    vscode.commands.registerCommand(CMD.openLogs, () => {
      ext.output.show();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => ext.configurationChanged(e)),
    // Trusting the workspace allows its .venv server and its model settings: start afresh.
    vscode.workspace.onDidGrantWorkspaceTrust(() => ext.restart()),
  );
  await ext.start();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
}
