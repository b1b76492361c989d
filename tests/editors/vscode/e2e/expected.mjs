// What the server does (asked through the oracle), for the scenarios to compare VS Code with.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

import { applyInline, applyWorkspaceEdit, positionAt } from "../lsp.mjs";
import {
  ACCEPT_FILE,
  ACTION_LIMITS,
  COMPLETION_BEFORE,
  COMPLETION_FILE,
  CORPUS,
  HOLES,
  KNOWN_TEXT,
  languageOf,
  SERVER_SETTINGS,
  TYPED_CANDIDATES,
} from "./cases.mjs";
import { fileUri, oracle, vsc } from "./session.mjs";

/** What the server completes once `typed` is typed at `offset` of `before`, if anything. */
export async function expectedCompletion(uri, before, offset, typed) {
  const text = before.slice(0, offset) + typed + before.slice(offset);
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  const position = positionAt(text, offset + typed.length);
  const result = await oracle.request("textDocument/inlineCompletion", {
    textDocument: { uri },
    position,
    context: { triggerKind: 2 },
  });
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const items = Array.isArray(result) ? result : (result?.items ?? []);
  return items.length ? { item: items[0], after: applyInline(text, position, items[0]) } : undefined;
}

const usedFiles = new Set();

/**
 * Where to type what, and the server's completion there: in a file no earlier case used, and
 * (with `wanted`) a completion for which `wanted(insertText)` holds.
 */
export async function completionCase(wanted = () => true) {
  if (KNOWN_TEXT) {
    const got = [];
    for (const [file, line] of HOLES.filter(([f]) => !usedFiles.has(f))) {
      const original = fs.readFileSync(path.join(CORPUS, file), "utf8");
      const offset = original.indexOf(`\n${line}\n`) + 1;
      assert.ok(offset > 0, `${file} has no line ${JSON.stringify(line)}`);
      const before = original.slice(0, offset) + original.slice(offset + line.length);
      const typed = line.slice(0, line.length - line.trimStart().length);
      const expected = await expectedCompletion(fileUri(file), before, offset, typed);
      if (expected?.after === original && wanted(expected.item.insertText)) {
        usedFiles.add(file);
        await fs.promises.writeFile(path.join(vsc.workspace, file), before);
        return { file, before, offset, line: before.slice(0, offset).split("\n").length, typed, expected, keystrokes: true };
      }
      got.push(expected?.item.insertText);
    }
    assert.fail(`the trained model completes none of the lines it learned: ${JSON.stringify(HOLES)} got ${JSON.stringify(got)}`);
  }
  const file = [COMPLETION_FILE, ACCEPT_FILE].find((f) => !usedFiles.has(f));
  assert.ok(file, "no file left for another completion case");
  for (const typed of TYPED_CANDIDATES) {
    const before = COMPLETION_BEFORE;
    const expected = await expectedCompletion(fileUri(file), before, before.length, typed);
    // Typed in one input event: the server's completion cache makes a random model's answer
    // depend on the keystrokes that came before, which the oracle does not replay.
    if (expected && wanted(expected.item.insertText)) {
      usedFiles.add(file);
      return { file, before, offset: before.length, line: undefined, typed, expected, keystrokes: false };
    }
  }
  return undefined;
}

/** The cursor of `openLine(file, line)`: the end of `line`, or the end of `text`. */
const cursorAt = (text, line) =>
  line === undefined ? positionAt(text, text.length) : { line: line - 1, character: text.split("\n")[line - 1].length };

/** The actions the server lists at `line` of `text` (a new document of the oracle's). */
async function oracleActions(uri, text, line) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: languageOf(uri), version: 1, text } });
  const position = cursorAt(text, line);
  return oracle.request("textDocument/codeAction", {
    textDocument: { uri },
    range: { start: position, end: position },
    context: { diagnostics: [], triggerKind: 2 },
  });
}

/** The server's answer to resolving the action `title` at `line` of `text`: edit or message. */
export async function expectedAction(uri, text, line, title) {
  const actions = await oracleActions(uri, text, line);
  const action = (actions ?? []).find((a) => a.title.startsWith(title));
  assert.ok(action, `the server offers no "${title}" action; it offers ${JSON.stringify(actions?.map((a) => a.title))}`);
  const seen = oracle.messages.length;
  const resolved = await oracle.request("codeAction/resolve", action);
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  return {
    title: action.title,
    after: resolved.edit ? applyWorkspaceEdit(text, uri, resolved.edit) : undefined,
    message: oracle.messages.slice(seen).map((m) => m.message).join("\n"),
  };
}

/** What Refactor… with `instruction` does at `line` of `text`: the new text or the message. */
export async function expectedRefactor(uri, text, line, instruction) {
  const actions = await oracleActions(uri, text, line);
  const action = (actions ?? []).find((a) => a.command?.command === "qwen.refactor");
  assert.ok(action, `the server offers no Refactor action; it offers ${JSON.stringify(actions?.map((a) => a.title))}`);
  const [data] = action.command.arguments;
  const edits = oracle.appliedEdits.length;
  const result = await oracle.request("workspace/executeCommand", {
    command: "qwen.refactor",
    arguments: [{ ...data, instruction }],
  });
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const edit = oracle.appliedEdits[edits];
  return { title: action.title, after: edit ? applyWorkspaceEdit(text, uri, edit) : undefined, message: result.message };
}

/** What `qwen.generateDocs` does to `text`: the new text, or the run's log line. */
export async function expectedGenerate(uri, text) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: languageOf(uri), version: 1, text } });
  const edits = oracle.appliedEdits.length;
  const result = await oracle.request("workspace/executeCommand", { command: "qwen.generateDocs", arguments: [uri] });
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const edit = oracle.appliedEdits[edits];
  return { after: edit ? applyWorkspaceEdit(text, uri, edit) : undefined, message: result.message };
}

/** What documentation on save does to `before` edited into `after`: the new text or the log line. */
export async function expectedDocs(uri, before, after) {
  oracle.notify("workspace/didChangeConfiguration", { settings: { qwen: { ...SERVER_SETTINGS, docs: { ...ACTION_LIMITS.docs, onSave: true } } } });
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: languageOf(uri), version: 1, text: before } });
  oracle.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: after }] });
  const edits = oracle.appliedEdits.length;
  const logs = oracle.logs.length;
  oracle.notify("textDocument/didSave", { textDocument: { uri } });
  // The run is over when it logs its line, which follows its edit (once applied).
  const deadline = Date.now() + 60_000;
  while (!oracle.logs.slice(logs).some((l) => l.startsWith("qwen-lsp docs:"))) {
    assert.ok(Date.now() < deadline, "the server never finished documenting on save");
    await new Promise((r) => setTimeout(r, 100));
  }
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const edit = oracle.appliedEdits[edits];
  return {
    after: edit ? applyWorkspaceEdit(after, uri, edit) : undefined,
    log: oracle.logs.slice(logs).find((l) => l.startsWith("qwen-lsp docs:"))?.replace(/^qwen-lsp docs: \S+: /, ""),
  };
}

/** With the trained model an action must make its edit: the oracle's answer says whether it did. */
export function assertEditWhenKnown(expected, what) {
  if (KNOWN_TEXT) assert.ok(expected.after !== undefined, `the trained model made no ${what}: ${expected.message ?? expected.log}`);
}
