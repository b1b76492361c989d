import * as vscode from "vscode";
import {
  type BaseLanguageClient,
  type ClientCapabilities,
  type FeatureState,
  type StaticFeature,
} from "vscode-languageclient/node";

/**
 * Shows the whole suggestion once the server has it (`qwen/suggestionGrew`): a slow suggestion
 * is answered with its text so far, and VS Code asks again only on the next change, so a user
 * who stopped typing would keep seeing the short one. The server then answers from its cache.
 */
export const SUGGESTION_GREW = "qwen/suggestionGrew";

interface Grew {
  textDocument: { uri: string; version: number };
  position: { line: number; character: number };
}

export class SuggestionGrewFeature implements StaticFeature {
  private listener: vscode.Disposable | undefined;

  constructor(
    private readonly client: BaseLanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  fillClientCapabilities(capabilities: ClientCapabilities): void {
    const others: unknown = capabilities.experimental;
    const kept = typeof others === "object" && others !== null ? (others as Record<string, unknown>) : {};
    capabilities.experimental = { ...kept, qwenSuggestionGrew: true };
  }

  getState(): FeatureState {
    return { kind: "static" };
  }

  initialize(): void {
    this.listener = this.client.onNotification(SUGGESTION_GREW, (grew: Grew) => {
      if (stillThere(grew)) {
        const { line, character } = grew.position;
        this.output.info(`The whole suggestion is ready at ${grew.textDocument.uri}:${line + 1}:${character + 1}: showing it`);
        void showAgain();
      }
    });
  }

  clear(): void {
    this.listener?.dispose();
    this.listener = undefined;
  }
}

/** Shown, the short suggestion would stay: VS Code's trigger keeps what it shows at the cursor. */
async function showAgain(): Promise<void> {
  await vscode.commands.executeCommand("editor.action.inlineSuggest.hide");
  await vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
}

/** The active editor shows that document at that version, its cursor alone at that position. */
function stillThere({ textDocument, position }: Grew): boolean {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.uri.toString() !== vscode.Uri.parse(textDocument.uri).toString()) {
    return false;
  }
  const { selection } = editor;
  const at = new vscode.Position(position.line, position.character);
  return editor.document.version === textDocument.version && selection.isEmpty && selection.active.isEqual(at);
}
