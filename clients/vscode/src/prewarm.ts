import * as vscode from "vscode";
import { type BaseLanguageClient, type FeatureState, type StaticFeature } from "vscode-languageclient/node";

/**
 * Tells the server which document is in front and where its cursor is (`qwen/didFocus`), so it
 * can prefill that document's prompt into the model's KV cache before the first keystroke (the
 * server's `completion.prewarm` setting decides whether it does).
 *
 * Sent for the active editor when the client starts, when another editor becomes active, and
 * when the cursor jumps to another line (mouse or arrow keys) and rests there: typing moves the
 * cursor too, but its own requests keep the cache warm.
 */
export const DID_FOCUS = "qwen/didFocus";
/** How long the cursor must rest on a new line before the server is told. */
const CURSOR_REST_MS = 300;
const JUMPS = new Set([vscode.TextEditorSelectionChangeKind.Keyboard, vscode.TextEditorSelectionChangeKind.Mouse]);

export class PrewarmFeature implements StaticFeature {
  private listeners: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = "";

  constructor(private readonly client: BaseLanguageClient) {}

  fillClientCapabilities(): void {
    // A notification of our own: nothing to announce.
  }

  getState(): FeatureState {
    return { kind: "static" };
  }

  initialize(): void {
    this.listeners = [
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        this.focus(editor);
      }),
      vscode.window.onDidChangeTextEditorSelection(({ textEditor, kind }) => {
        if (kind === undefined || !JUMPS.has(kind) || textEditor !== vscode.window.activeTextEditor) {
          return;
        }
        clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.focus(textEditor);
        }, CURSOR_REST_MS);
      }),
    ];
    this.last = "";
    this.focus(vscode.window.activeTextEditor);
  }

  clear(): void {
    clearTimeout(this.timer);
    for (const listener of this.listeners) {
      listener.dispose();
    }
    this.listeners = [];
  }

  private focus(editor: vscode.TextEditor | undefined): void {
    const document = editor?.document;
    if (!editor || !document || !["file", "untitled"].includes(document.uri.scheme) || !this.client.isRunning()) {
      return;
    }
    const cursor = editor.selection.active;
    const where = `${document.uri.toString()}#${cursor.line}`;
    if (where === this.last) {
      return; // the same line of the same document: the server's cache has it already
    }
    this.last = where;
    const c2p = this.client.code2ProtocolConverter;
    void this.client.sendNotification(DID_FOCUS, {
      textDocument: c2p.asTextDocumentIdentifier(document),
      position: c2p.asPosition(cursor),
    });
  }
}
