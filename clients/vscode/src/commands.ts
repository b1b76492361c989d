import * as vscode from "vscode";
import { ExecuteCommandRequest, type LanguageClient } from "vscode-languageclient/node";

import type { AcceptanceReporter } from "./acceptance";
import type { ServerState } from "./serverState";
import { completionsEnabled, SECTION } from "./settings";
import type { StatusBar } from "./status";

/** Commands of this extension (the server's own `qwen.*` commands are registered by the client). */
export const CMD = {
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
export const SERVER_CMD = {
  stats: "qwen.stats",
  generateDocs: "qwen.generateDocs",
  refactor: "qwen.refactor",
} as const;

/** What the user's commands act on. */
export interface CommandTarget {
  readonly output: vscode.LogOutputChannel;
  readonly status: StatusBar;
  readonly state: ServerState;
  readonly acceptance: AcceptanceReporter;
  client(): LanguageClient | undefined;
  restart(): Promise<void>;
}

/** Register the extension's commands; dispose the result to remove them. */
export function registerCommands(ext: CommandTarget): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(CMD.menu, () => menu(ext)),
    vscode.commands.registerCommand(CMD.restart, () => ext.restart()),
    vscode.commands.registerCommand(CMD.toggleCompletions, () => toggleCompletions()),
    vscode.commands.registerCommand(CMD.showStats, () => showStats(ext)),
    vscode.commands.registerCommand(CMD.generateDocs, () => generateDocs(ext)),
    vscode.commands.registerCommand(CMD.acceptNextWord, () => ext.acceptance.acceptNext("word")),
    vscode.commands.registerCommand(CMD.acceptNextLine, () => ext.acceptance.acceptNext("line")),
    vscode.commands.registerCommand(CMD.openLogs, () => {
      ext.output.show();
    }),
  ];
}

async function showStats(ext: CommandTarget): Promise<void> {
  const stats = await ext.state.fetchStats();
  if (!stats) {
    void vscode.window.showWarningMessage("Qwen: the server is not running.");
    return;
  }
  ext.status.updateStats(stats);
  const doc = await vscode.workspace.openTextDocument({
    language: "json",
    content: JSON.stringify(stats, null, 2),
  });
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function toggleCompletions(): Promise<void> {
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

async function generateDocs(ext: CommandTarget): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage("Qwen: open a file to document first.");
    return;
  }
  const client = ext.client();
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage("Qwen: the server is not running.");
    return;
  }
  if (!serverHas(client, SERVER_CMD.generateDocs)) {
    void vscode.window.showWarningMessage("Qwen: this qwen-lsp cannot generate docs; update it.");
    return;
  }
  // Progress and the edit come from the server (work-done progress, workspace/applyEdit).
  await client.sendRequest(ExecuteCommandRequest.type, {
    command: SERVER_CMD.generateDocs,
    arguments: [editor.document.uri.toString()],
  });
}

function serverHas(client: LanguageClient, command: string): boolean {
  return client.initializeResult?.capabilities.executeCommandProvider?.commands.includes(command) === true;
}

async function menu(ext: CommandTarget): Promise<void> {
  const items: (vscode.QuickPickItem & { run: () => unknown })[] = [
    { label: "$(debug-restart) Restart server", run: () => ext.restart() },
    {
      label: completionsEnabled() ? "$(circle-slash) Disable completions" : "$(check) Enable completions",
      run: () => toggleCompletions(),
    },
    { label: "$(graph) Show stats", run: () => showStats(ext) },
    { label: "$(book) Generate docs for this file", run: () => generateDocs(ext) },
    {
      label: "$(output) Open logs",
      run: () => {
        ext.output.show();
      },
    },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: "Qwen LSP" });
  await picked?.run();
}
