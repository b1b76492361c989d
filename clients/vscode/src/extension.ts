import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  type LanguageClient,
  MessageType,
  type ShowMessageParams,
  State as ClientState,
} from "vscode-languageclient/node";

import { AcceptanceReporter } from "./acceptance";
import { createClient } from "./client";
import { CMD, registerCommands } from "./commands";
import { errorText, withSource } from "./messages";
import { resolveServer, ServerNotFoundError } from "./server";
import { ServerState } from "./serverState";
import { SECTION, serverSettings } from "./settings";
import { StatusBar } from "./status";

/** The server's lifecycle: start, stop, restart, and telling the user when it fails. */
class QwenExtension implements vscode.Disposable {
  private current: LanguageClient | undefined;
  /** Set once the server has started, so a later stop is reported as a crash. */
  private started = false;
  private stopping = false;
  readonly output = vscode.window.createOutputChannel("Qwen LSP", { log: true });
  readonly status = new StatusBar(CMD.menu);
  readonly state = new ServerState(() => this.current, this.status, this.output);
  readonly acceptance = new AcceptanceReporter(
    () => this.current,
    () => {
      this.state.scheduleStats();
    },
  );

  client(): LanguageClient | undefined {
    return this.current;
  }

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

    const client = createClient(server, this);
    client.onDidChangeState(({ newState }) => {
      if (newState === ClientState.Stopped && this.started && !this.stopping) {
        this.fail("The qwen-lsp server stopped. See the log for why.", ["Restart"]);
      } else if (newState === ClientState.Running && this.started) {
        // The client restarted a crashed server by itself.
        this.status.set({ kind: "starting" });
        void this.state.sync();
      }
    });
    this.current = client;
    try {
      await client.start();
    } catch (err) {
      this.fail(`The qwen-lsp server failed to start: ${errorText(err)}`, ["Restart"]);
      return;
    }
    this.started = true;
    await this.state.sync();
  }

  async stop(): Promise<void> {
    const client = this.current;
    this.current = undefined;
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

  private fail(message: string, actions: string[]): void {
    this.output.error(message);
    this.status.set({ kind: "error", message });
    void vscode.window
      .showErrorMessage(withSource(message), ...actions, "Open Logs")
      .then((choice) => this.runAction(choice));
  }

  serverMessage({ type, message }: ShowMessageParams): void {
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
    if (this.current?.isRunning()) {
      const settings = serverSettings();
      this.output.info(`Settings changed; sent to the server: ${JSON.stringify(settings)}`);
      await this.current.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: settings },
      });
      await this.state.sync();
    }
  }

  dispose(): void {
    this.acceptance.dispose();
    this.state.dispose();
    this.status.dispose();
    this.output.dispose();
  }
}

let extension: QwenExtension | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const ext = new QwenExtension();
  extension = ext;
  context.subscriptions.push(
    ext,
    ...registerCommands(ext),
    vscode.workspace.onDidChangeConfiguration((e) => ext.configurationChanged(e)),
    // Trusting the workspace allows its .venv server and its model settings: start afresh.
    vscode.workspace.onDidGrantWorkspaceTrust(() => ext.restart()),
  );
  await ext.start();
}

export async function deactivate(): Promise<void> {
  await extension?.stop();
}
