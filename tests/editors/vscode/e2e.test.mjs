// Acceptance tests of the VS Code extension in a real VS Code (code-server + Chromium).
// One VS Code session serves every scenario (each ~a few seconds after the ~15 s start);
// expected text comes from the server itself over a plain LSP connection, so it holds for any
// model, and the assertions read the SAVED files, not the DOM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { openVSCode, ROOT, VSIX } from "./harness.mjs";
import { applyInline, applyWorkspaceEdit, LspClient, positionAt } from "./lsp.mjs";

const MODEL = path.resolve(process.env.QWEN_LSP_TEST_MODEL ?? path.join(ROOT, "build", "tiny-model"));
// QWEN_LSP_SERVER: test another build of the server (default: the one `make install` made).
const SERVER = path.resolve(process.env.QWEN_LSP_SERVER ?? path.join(ROOT, ".venv", "bin", "qwen-lsp"));
// Repository context would make VS Code's prompts depend on its typing history; off, the
// prompt depends on the document alone and the oracle below sees the same one.

const COMPLETION_FILE = "complete.py";
const COMPLETION_BEFORE = "import os\n\n\n";
const TYPED = "def add(a, b):";
// No final newline: Ctrl+End leaves the cursor inside the function.
const ACTION_FILE = "geometry.py";
const ACTION_SOURCE = "import math\n\n\ndef circle_area(radius):\n    return math.pi * radius ** 2";
const ACTION_TITLE = "Add docstring with Qwen";
const REFACTOR_FILE = "loops.py";
const REFACTOR_SOURCE = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s";
const INSTRUCTION = "use the built-in sum";
const DOCS_FILE = "shapes.py";
const DOCS_SOURCE = "def square_area(side):\n    return side * side";
const DOCS_TYPED = " * 1";
// A model run per action: keep them short.
const ACTION_LIMITS = { actions: { maxTokens: 48 }, docs: { maxPerSave: 1 } };
// Repository context would make VS Code's prompts depend on its typing history; off, the
// prompt depends on the document alone and the oracle below sees the same one.
const SERVER_SETTINGS = { model: MODEL, context: { repoFiles: false }, ...ACTION_LIMITS };

/** VS Code's flat `qwen.a.b` keys for a nested server settings object. */
function flatten(obj, prefix = "qwen") {
  return Object.entries(obj).flatMap(([key, value]) =>
    value && typeof value === "object" ? Object.entries(flatten(value, `${prefix}.${key}`)) : [[`${prefix}.${key}`, value]],
  ).reduce((acc, [k, v]) => ({ ...acc, [k]: v }), {});
}

let vsc;
let oracle;
let capabilities;
let failed = false;

/** A scenario that leaves a screenshot and VS Code's logs under build/ when it fails. */
function scenario(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      await vsc?.screenshot(name.replace(/\W+/g, "-")).catch(() => undefined);
      throw err;
    }
  });
}

before(async () => {
  for (const [what, file] of [["the server (make install)", SERVER], ["the model (make tiny-model)", path.join(MODEL, "config.json")], ["the extension (make vscode-vsix)", VSIX]]) {
    assert.ok(fs.existsSync(file), `missing ${what}: ${file}`);
  }
  const workspaceUri = pathToFileURL("/tmp/qwen-oracle").href;
  oracle = new LspClient(SERVER, ["--stdio"], { env: process.env, settings: SERVER_SETTINGS });
  capabilities = await oracle.start(workspaceUri);
  vsc = await openVSCode({
    name: "suite",
    // code-server's extension host takes PATH from a login shell, so name the server outright.
    settings: { ...flatten(SERVER_SETTINGS), "qwen.server.path": SERVER },
    files: { [COMPLETION_FILE]: COMPLETION_BEFORE, [ACTION_FILE]: ACTION_SOURCE, [DOCS_FILE]: DOCS_SOURCE, [REFACTOR_FILE]: REFACTOR_SOURCE },
  });
});

after(async () => {
  await oracle?.stop();
  await vsc?.close({ failed });
});

/** What the server completes at the end of `text` (the same request VS Code makes). */
async function expectedCompletion(uri, text) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  const position = positionAt(text, text.length);
  const result = await oracle.request("textDocument/inlineCompletion", {
    textDocument: { uri },
    position,
    context: { triggerKind: 2 },
  });
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const items = Array.isArray(result) ? result : (result?.items ?? []);
  assert.ok(items.length > 0, `the server offers no completion for ${JSON.stringify(text)}`);
  return { item: items[0], after: applyInline(text, position, items[0]) };
}

scenario("the status bar shows the model loading, then ready", async () => {
  const seen = new Set();
  const deadline = Date.now() + 60_000;
  while (!(await vsc.statusItem.count()) || !(await vsc.statusText()).includes("Qwen: ready")) {
    assert.ok(Date.now() < deadline, `the status bar never said "Qwen: ready"; it said ${JSON.stringify([...seen])}`);
    if (await vsc.statusItem.count()) seen.add(await vsc.statusText());
    await vsc.page.waitForTimeout(50);
  }
  assert.ok([...seen].some((text) => text.startsWith("Qwen: loading model")), `no loading state among ${JSON.stringify([...seen])}`);
});

scenario("typing shows ghost text and Tab accepts it", async () => {
  const typedText = COMPLETION_BEFORE + TYPED;
  const uri = pathToFileURL(path.join(vsc.workspace, COMPLETION_FILE)).href;
  const { item, after } = await expectedCompletion(uri, typedText);

  await vsc.openFile(COMPLETION_FILE);
  await vsc.page.keyboard.type(TYPED, { delay: 20 });
  // Tab only once the ghost text is the answer for the whole line (an earlier one may show first).
  await vsc.waitForGhostText(item.insertText.split("\n")[0]);
  await vsc.page.keyboard.press("Tab");
  await vsc.save();
  const saved = await vsc.waitForFile(COMPLETION_FILE, (text) => text !== COMPLETION_BEFORE);
  assert.equal(saved, after);
  await vsc.waitForStatus(" ms", 10_000);
});

const fileUri = (file) => pathToFileURL(path.join(vsc.workspace, file)).href;

/** The server's answer to resolving the action `title` at the end of `text`: edit or message. */
async function expectedAction(uri, text, title) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  const position = positionAt(text, text.length);
  const actions = await oracle.request("textDocument/codeAction", {
    textDocument: { uri },
    range: { start: position, end: position },
    context: { diagnostics: [], triggerKind: 2 },
  });
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

/** What Refactor… with `instruction` does at the end of `text`: the new text or the message. */
async function expectedRefactor(uri, text, instruction) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text } });
  const position = positionAt(text, text.length);
  const actions = await oracle.request("textDocument/codeAction", {
    textDocument: { uri },
    range: { start: position, end: position },
    context: { diagnostics: [], triggerKind: 2 },
  });
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

/** What documentation on save does to `before` edited into `after`: the new text or the log line. */
async function expectedDocs(uri, before, after) {
  oracle.notify("workspace/didChangeConfiguration", { settings: { qwen: { ...SERVER_SETTINGS, docs: { ...ACTION_LIMITS.docs, onSave: true } } } });
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: "python", version: 1, text: before } });
  oracle.notify("textDocument/didChange", { textDocument: { uri, version: 2 }, contentChanges: [{ text: after }] });
  const edits = oracle.appliedEdits.length;
  const logs = oracle.logs.length;
  oracle.notify("textDocument/didSave", { textDocument: { uri } });
  const deadline = Date.now() + 60_000;
  while (oracle.appliedEdits.length === edits && !oracle.logs.slice(logs).some((l) => l.startsWith("qwen-lsp docs:"))) {
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

/** Skips `t` (and says why) when the server has no code actions yet. */
const noActions = (t) => !capabilities.codeActionProvider && (t.skip("this qwen-lsp has no code actions yet"), true);

scenario("a code action from the light bulb applies its edit", async (t) => {
  if (noActions(t)) return;
  const expected = await expectedAction(fileUri(ACTION_FILE), ACTION_SOURCE, ACTION_TITLE);
  await vsc.openFile(ACTION_FILE);
  await vsc.lightBulbAction(expected.title);
  if (expected.after !== undefined) {
    await vsc.waitForDirty(ACTION_FILE, 90_000);
    await vsc.save();
    assert.equal(await vsc.waitForFile(ACTION_FILE, (text) => text !== ACTION_SOURCE), expected.after);
  } else {
    // The model made no edit (random weights): VS Code must say why, and leave the file alone.
    await vsc.waitForNotification(expected.message.replace(/^qwen-lsp: /, "").slice(0, 30), 90_000);
    await vsc.save();
    assert.equal(await vsc.readFile(ACTION_FILE), ACTION_SOURCE);
  }
});

scenario("Refactor… asks for an instruction and applies the edit", async (t) => {
  if (noActions(t)) return;
  const expected = await expectedRefactor(fileUri(REFACTOR_FILE), REFACTOR_SOURCE, INSTRUCTION);
  await vsc.openFile(REFACTOR_FILE);
  await vsc.lightBulbAction(expected.title);
  const input = vsc.page.locator(".quick-input-widget", { hasText: "Qwen: Refactor" }).locator("input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(INSTRUCTION);
  await vsc.page.keyboard.press("Enter");
  if (expected.after !== undefined) {
    await vsc.waitForDirty(REFACTOR_FILE, 90_000);
    await vsc.save();
    assert.equal(await vsc.waitForFile(REFACTOR_FILE, (text) => text !== REFACTOR_SOURCE), expected.after);
  } else {
    await vsc.waitForNotification("made no edit", 90_000);
    await vsc.save();
    assert.equal(await vsc.readFile(REFACTOR_FILE), REFACTOR_SOURCE);
  }
});

scenario("the status bar menu turns completions off and on", async () => {
  const menu = async (label) => {
    await vsc.statusItem.first().click();
    await vsc.page.locator(".quick-input-list .monaco-list-row", { hasText: label }).first().click();
  };
  await menu("Disable completions");
  await vsc.waitForStatus("Qwen: off", 10_000);
  assert.equal((await vsc.userSettings())["qwen.completion.enabled"], false);
  await menu("Enable completions");
  await vsc.statusItem.filter({ hasNotText: "off" }).first().waitFor({ timeout: 10_000 });
  assert.equal((await vsc.userSettings())["qwen.completion.enabled"], true);
  await menu("Show stats");
  await vsc.page.locator(".monaco-editor .view-lines", { hasText: '"requests"' }).first().waitFor({ timeout: 10_000 });
});

scenario("with docs.onSave on, saving writes documentation", async (t) => {
  if (noActions(t)) return;
  const typed = DOCS_SOURCE + DOCS_TYPED;
  const expected = await expectedDocs(fileUri(DOCS_FILE), DOCS_SOURCE, typed);
  await vsc.updateSettings({ "qwen.docs.onSave": true });
  await vsc.waitForLog('"onSave":true', 15_000);
  await vsc.openFile(DOCS_FILE);
  await vsc.page.keyboard.type(DOCS_TYPED);
  await vsc.save();
  await vsc.waitForFile(DOCS_FILE, (text) => text === typed);
  if (expected.after !== undefined) {
    await vsc.waitForDirty(DOCS_FILE, 90_000);
    await vsc.save();
    assert.equal(await vsc.waitForFile(DOCS_FILE, (text) => text !== typed), expected.after);
  } else {
    // The model wrote nothing (random weights): the run still happened, and says so in the log.
    await vsc.waitForLog(`docs: ${fileUri(DOCS_FILE)}: ${expected.log}`, 90_000);
    assert.equal(await vsc.readFile(DOCS_FILE), typed);
  }
});
