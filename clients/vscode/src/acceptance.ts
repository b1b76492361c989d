import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";

/**
 * Reports what the user does with the server's suggestions, in Copilot's protocol: the item's
 * own command on accept (VS Code runs it), `textDocument/didShowCompletion` (with our `feltMs`:
 * from the keystroke to the answer in VS Code) and
 * `textDocument/didPartiallyAcceptCompletion` (UTF-16 length from the start of the item).
 *
 * VS Code's show / partial-accept hooks on a provider (handleDidShowCompletionItem, …) are
 * proposed API that an installed extension cannot use, so: an item counts as shown when VS Code
 * receives it for the cursor, and Ctrl+→ / Ctrl+Alt+→ run VS Code's own accept-next-word /
 * -line here and report what they inserted.
 */

export const ACCEPT_COMMAND = "qwen.didAcceptCompletionItem";
const DID_SHOW = "textDocument/didShowCompletion";
const DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion";
const ACCEPT_NEXT = {
  word: "editor.action.inlineSuggest.acceptNextWord",
  line: "editor.action.inlineSuggest.acceptNextLine",
} as const;
/** How long to wait for the accepted text to reach the extension's copy of the document. */
const EDIT_WAIT_MS = 1000;

/** The item as the server sent it (what the notifications carry back). */
interface WireItem {
  insertText: string;
  range: { start: vscode.Position; end: vscode.Position };
  command: { title: string; command: string; arguments: unknown[] };
}

interface Shown {
  uri: string;
  start: vscode.Position;
  text: string;
  wire: WireItem;
}

export class AcceptanceReporter implements vscode.Disposable {
  private shown: Shown | undefined;
  /** Per document: when it last changed, until the provider is asked about it. */
  private readonly changedAt = new Map<string, number>();
  private readonly changes = vscode.workspace.onDidChangeTextDocument((e) => {
    if (e.contentChanges.length) this.changedAt.set(e.document.uri.toString(), performance.now());
  });

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly reported: () => void,
  ) {}

  /** The provider is asked at `asked` (performance.now()): since when the user has waited for
   * its answer, the keystroke before it when none was asked about since. */
  waitingSince(document: vscode.TextDocument, asked: number): number {
    const key = document.uri.toString();
    const changed = this.changedAt.get(key);
    this.changedAt.delete(key);
    return changed !== undefined && changed <= asked ? changed : asked;
  }

  /** The provider's answer reached VS Code for `position`: its first item of ours is on screen,
   * `feltMs` after the user began to wait (sent with it: qwen.stats shows it beside its own). */
  offered(
    document: vscode.TextDocument,
    position: vscode.Position,
    result: vscode.InlineCompletionItem[] | vscode.InlineCompletionList | null | undefined,
    feltMs?: number,
  ): void {
    const items = Array.isArray(result) ? result : (result?.items ?? []);
    const item = items.at(0);
    if (!item?.command || item.command.command !== ACCEPT_COMMAND || typeof item.insertText !== "string") {
      return;
    }
    const range = item.range ?? new vscode.Range(position, position);
    const wire = {
      insertText: item.insertText,
      range: { start: range.start, end: range.end },
      command: { title: item.command.title, command: item.command.command, arguments: item.command.arguments ?? [] },
    };
    this.shown = { uri: document.uri.toString(), start: range.start, text: item.insertText, wire };
    this.notify(DID_SHOW, feltMs === undefined ? { item: wire } : { item: wire, feltMs });
  }

  /** Run VS Code's accept-next-word / -line, then report how much of our item is now in place. */
  async acceptNext(kind: keyof typeof ACCEPT_NEXT): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const shown = this.shown;
    const edited = editor ? nextEdit(editor.document) : undefined;
    await vscode.commands.executeCommand(ACCEPT_NEXT[kind]);
    const change = await edited;
    if (!editor || !shown || !change || editor.document.uri.toString() !== shown.uri) {
      return;
    }
    const document = editor.document;
    const end = document.positionAt(change.rangeOffset + change.text.length);
    const accepted = document.getText(new vscode.Range(shown.start, end));
    // Another provider's suggestion, or ours no longer where it was: nothing of ours was taken.
    if (accepted.length > 0 && shown.text.startsWith(accepted)) {
      this.notify(DID_PARTIALLY_ACCEPT, { item: shown.wire, acceptedLength: accepted.length });
    }
  }

  dispose(): void {
    this.changes.dispose();
    this.changedAt.clear();
  }

  private notify(method: string, params: object): void {
    const client = this.client();
    if (client?.isRunning()) {
      void client.sendNotification(method, params).then(this.reported, () => undefined);
    }
  }
}

/** The next change of `document` (its last part), or undefined after EDIT_WAIT_MS. */
function nextEdit(document: vscode.TextDocument): Promise<vscode.TextDocumentContentChangeEvent | undefined> {
  return new Promise((resolve) => {
    const done = (change?: vscode.TextDocumentContentChangeEvent): void => {
      clearTimeout(timer);
      listener.dispose();
      resolve(change);
    };
    const timer = setTimeout(done, EDIT_WAIT_MS);
    const listener = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === document && e.contentChanges.length) done(e.contentChanges.at(-1));
    });
  });
}
