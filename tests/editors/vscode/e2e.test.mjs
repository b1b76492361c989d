// Acceptance tests of the VS Code extension in a real VS Code (code-server + Chromium).
// One VS Code session serves every scenario (each ~a few seconds after the ~15 s start);
// expected text comes from the server itself over a plain LSP connection, so it holds for any
// model, and the assertions read the SAVED files, not the DOM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { openVSCode, ROOT, VSIX } from "./harness.mjs";
import { applyInline, applyWorkspaceEdit, LspClient, positionAt } from "./lsp.mjs";

const TINY_MODEL = path.join(ROOT, "build", "tiny-model");
const TRAINED_MODEL = path.resolve(process.env.QWEN_LSP_TRAINED_MODEL ?? path.join(ROOT, "build", "trained-model"));
// The trained test model (`make trained-model`) has learned tests/fixtures/corpus: with it the
// expected text is known, not only the server's own answer. QWEN_LSP_TEST_MODEL picks another.
const MODEL = path.resolve(
  process.env.QWEN_LSP_TEST_MODEL ?? (fs.existsSync(path.join(TRAINED_MODEL, "config.json")) ? TRAINED_MODEL : TINY_MODEL),
);
const KNOWN_TEXT = MODEL === TRAINED_MODEL;
// QWEN_LSP_SERVER: test another build of the server (default: the one `make install` made).
const SERVER = path.resolve(process.env.QWEN_LSP_SERVER ?? path.join(ROOT, ".venv", "bin", "qwen-lsp"));

// With the trained model: a line of a training file emptied, its indentation typed again; the
// model must write the rest of the line it learned. The first candidate it gets right is used.
const CORPUS = path.join(ROOT, "tests", "fixtures", "corpus");
const HOLES = [
  ["temperature.py", "    return (fahrenheit - 32) * 5 / 9"],
  ["inventory.py", "        return sum(self.items.values())"],
  ["temperature.py", "        self.values.append(value)"],
];
// With random weights: a line typed at the end of a file, the first one the model completes
// (random weights complete some lines and not others).
const COMPLETION_FILE = "complete.py";
const ACCEPT_FILE = "accept.py"; // the same start, for the word-and-line scenario
const COMPLETION_BEFORE = "import os\n\n\n";
const TYPED_CANDIDATES = ["result = ", "import ", "def add(a, b):"];

const corpus = (file) => fs.readFileSync(path.join(CORPUS, file), "utf8");
/** 1-based line of `text` that starts with `start`. */
const lineOf = (text, start) => text.split("\n").findIndex((l) => l.startsWith(start)) + 1;
const LANGUAGES = { ".py": "python", ".js": "javascript", ".go": "go" };
const languageOf = (file) => LANGUAGES[path.extname(file)];

// The actions' files. The trained model knows the corpus and nothing else: there each action runs
// on a corpus function (none of the completion holes' files), and must make its edit. `line`: the
// indented body line whose end the cursor goes to (1-based; VS Code shows the light bulb on a
// line of code); none: the end of the file, inside its last function.
const ACTION = KNOWN_TEXT
  ? { file: "retry.py", source: corpus("retry.py"), line: lineOf(corpus("retry.py"), "    return decorate") }
  : { file: "geometry.py", source: "import math\n\n\ndef circle_area(radius):\n    return math.pi * radius ** 2" };
const ACTION_TITLE = "Add docstring with Qwen";
const REFACTOR = KNOWN_TEXT
  ? { file: "stack.go", source: corpus("stack.go"), line: lineOf(corpus("stack.go"), "func (s *Stack[T]) Push") + 1, instruction: "simplify this" }
  : { file: "loops.py", source: "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s", instruction: "use the built-in sum" };
const GENERATE = KNOWN_TEXT
  ? { file: "slug.js", source: corpus("slug.js") }
  : { file: "units.py", source: "def km_to_miles(km):\n    return km * 0.621371\n" };
// Documentation on save: the user types a line into a function, then saves.
const DOCS_LINE = "    return WORD.findall(text.lower())";
const DOCS = KNOWN_TEXT
  ? { file: "wordcount.py", source: corpus("wordcount.py").replace(`${DOCS_LINE}\n`, "\n"), line: lineOf(corpus("wordcount.py"), DOCS_LINE), typed: DOCS_LINE }
  : { file: "shapes.py", source: "def square_area(side):\n    return side * side", line: undefined, typed: " * 1" };
// One definition per save keeps the docs run short.
// Greedy actions: VS Code and the oracle below then get the same edit for the same request.
const ACTION_LIMITS = { actions: { maxTokens: 256, temperature: 0 }, docs: { maxPerSave: 1 } };
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
  // The oracle reports no acceptance; its state directory is a throwaway all the same.
  const state = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-oracle-state-"));
  oracle = new LspClient(SERVER, ["--stdio"], { env: { ...process.env, XDG_STATE_HOME: state }, settings: SERVER_SETTINGS });
  // The oracle's model loads while VS Code starts.
  const [started, opened] = await Promise.allSettled([
    oracle.start(pathToFileURL("/tmp/qwen-oracle").href),
    openVSCode({
      name: "suite",
      // code-server's extension host takes PATH from a login shell, so name the server outright.
      settings: { ...flatten(SERVER_SETTINGS), "qwen.server.path": SERVER },
      files: {
        [COMPLETION_FILE]: COMPLETION_BEFORE,
        [ACCEPT_FILE]: COMPLETION_BEFORE,
        [ACTION.file]: ACTION.source,
        [DOCS.file]: DOCS.source,
        [REFACTOR.file]: REFACTOR.source,
        [GENERATE.file]: GENERATE.source,
      },
    }),
  ]);
  // Keep what did start, so that after() stops it.
  capabilities = started.value;
  vsc = opened.value;
  for (const result of [started, opened]) {
    if (result.status === "rejected") throw result.reason;
  }
});

after(async () => {
  await oracle?.stop();
  await vsc?.close({ failed });
});

const fileUri = (file) => pathToFileURL(path.join(vsc.workspace, file)).href;

/** What the server completes once `typed` is typed at `offset` of `before`, if anything. */
async function expectedCompletion(uri, before, offset, typed) {
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
async function completionCase(wanted = () => true) {
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
  const found = await completionCase();
  assert.ok(found, `the server completes none of ${JSON.stringify(TYPED_CANDIDATES)}`);
  const { file, line, typed, expected, keystrokes } = found;
  await vsc.openFile(file, line);
  await (keystrokes ? vsc.page.keyboard.type(typed, { delay: 20 }) : vsc.page.keyboard.insertText(typed));
  // Tab only once the ghost text is the answer for the whole line (an earlier one may show first).
  await vsc.waitForGhostText(expected.item.insertText);
  await vsc.page.keyboard.press("Tab");
  await vsc.save();
  if (keystrokes) {
    await vsc.waitForFile(file, (text) => text === expected.after);
  } else {
    // Random weights: VS Code's answer can differ from the oracle's in its tail (the server's
    // caches hold different histories); the accepted start must be the same.
    const start = expected.after.slice(0, expected.after.length - expected.item.insertText.length + 20);
    await vsc.waitForFile(file, (text) => text.startsWith(start) && text.length > start.length);
  }
  // The status bar then shows that completion's latency.
  await vsc.waitForStatus(" ms", 10_000);
});

/** The last acceptance figures the extension logged (its "Acceptance: …" line), zeros before. */
async function loggedAcceptance() {
  const pattern = /Acceptance: (\d+) shown, (\d+) accepted, (\d+) partly \(kept (\d+) of (\d+) characters\)/g;
  const all = [...(await vsc.logText()).matchAll(pattern)];
  const [shown, accepted, partly, kept, total] = all.length ? all.at(-1).slice(1).map(Number) : [0, 0, 0, 0, 0];
  return { shown, accepted, partly, kept, total };
}

/** Wait until the logged figures satisfy `predicate(figures)`; returns them. */
async function waitForAcceptance(what, predicate, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const figures = await loggedAcceptance();
    if (predicate(figures)) return figures;
    assert.ok(Date.now() < deadline, `the acceptance figures never showed ${what}: last ${JSON.stringify(figures)}`);
    await vsc.page.waitForTimeout(200);
  }
}

const units = (text) => text.length; // JavaScript strings are UTF-16, as the protocol counts

scenario("Ctrl+→ takes a word and Ctrl+Alt+→ the rest of the line; the stats count both", async (t) => {
  // Trained model: a corpus line of several words, which the word and the rest of the line
  // complete. Random weights: whatever VS Code shows (the server's caches make it differ from
  // the oracle's), measured by what was saved.
  const found = await completionCase((text) => !KNOWN_TEXT || (!text.trim().includes("\n") && /^\s*\w+\W/.test(text)));
  assert.ok(found, `the server completes none of ${JSON.stringify(TYPED_CANDIDATES)}`);
  const { file, line, typed, expected, keystrokes } = found;
  const start = await loggedAcceptance();
  await vsc.openFile(file, line);
  await (keystrokes ? vsc.page.keyboard.type(typed, { delay: 20 }) : vsc.page.keyboard.insertText(typed));
  await vsc.waitForGhostText(KNOWN_TEXT ? expected.item.insertText : "");
  await waitForAcceptance("the suggestion shown", (f) => f.shown > start.shown);
  await vsc.page.waitForTimeout(1000); // the figures of what typing did settle first
  // Typing may already have taken the start of a suggestion (typed-through): compare with now.
  const before = await loggedAcceptance();
  await vsc.page.keyboard.press("Control+ArrowRight");
  const word = await waitForAcceptance("a word taken", (f) => f.kept > before.kept);
  let all = word;
  if (word.accepted === before.accepted) {
    assert.ok(word.partly >= 1, "no partly accepted suggestion after a word");
    await vsc.page.keyboard.press("Control+Alt+ArrowRight");
    all = await waitForAcceptance("the line taken", (f) => f.kept > word.kept);
  } else {
    assert.ok(!KNOWN_TEXT, "a word took the whole of a suggestion of several words");
  }
  await vsc.waitForStatus("% accepted", 10_000);
  await vsc.saveUntilClean(file);
  // What the keys inserted: the saved text minus the file before and what was typed.
  const at = found.offset + typed.length;
  const typedText = found.before.slice(0, found.offset) + typed + found.before.slice(found.offset);
  const saved = await vsc.waitForFile(file, (text) => text.length > typedText.length);
  const taken = saved.slice(at, at + saved.length - typedText.length);
  assert.equal(saved, typedText.slice(0, at) + taken + typedText.slice(at), "the keys inserted at the cursor");
  t.diagnostic(`took ${JSON.stringify(taken)}: ${JSON.stringify({ before, word, all })}`);
  assert.equal(all.kept - before.kept, units(taken), `characters kept, having taken ${JSON.stringify(taken)}`);
  if (KNOWN_TEXT) {
    assert.equal(saved, expected.after);
    assert.equal(all.accepted, before.accepted + 1, "the word and the rest of the line are the whole suggestion");
    assert.equal(all.partly, word.partly - 1, "the partly accepted suggestion became a whole one");
  }
});

/** The cursor of `openLine(file, line)`: the end of `line`, or the end of `text`. */
const cursorAt = (text, line) =>
  line === undefined ? positionAt(text, text.length) : { line: line - 1, character: text.split("\n")[line - 1].length };

/** Open `file` with the cursor at the end of `line` (or of the file). */
async function openLine(file, line) {
  await vsc.openFile(file, line);
  if (line !== undefined) await vsc.page.keyboard.press("End");
}

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
async function expectedAction(uri, text, line, title) {
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
async function expectedRefactor(uri, text, line, instruction) {
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
async function expectedGenerate(uri, text) {
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: languageOf(uri), version: 1, text } });
  const edits = oracle.appliedEdits.length;
  const result = await oracle.request("workspace/executeCommand", { command: "qwen.generateDocs", arguments: [uri] });
  oracle.notify("textDocument/didClose", { textDocument: { uri } });
  const edit = oracle.appliedEdits[edits];
  return { after: edit ? applyWorkspaceEdit(text, uri, edit) : undefined, message: result.message };
}

/** What documentation on save does to `before` edited into `after`: the new text or the log line. */
async function expectedDocs(uri, before, after) {
  oracle.notify("workspace/didChangeConfiguration", { settings: { qwen: { ...SERVER_SETTINGS, docs: { ...ACTION_LIMITS.docs, onSave: true } } } });
  oracle.notify("textDocument/didOpen", { textDocument: { uri, languageId: languageOf(uri), version: 1, text: before } });
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

/** With the trained model an action must make its edit: the oracle's answer says whether it did. */
function assertEditWhenKnown(expected, what) {
  if (KNOWN_TEXT) assert.ok(expected.after !== undefined, `the trained model made no ${what}: ${expected.message ?? expected.log}`);
}

/** Skips `t` (and says why) when the server has no code actions yet. */
const noActions = (t) => !capabilities.codeActionProvider && (t.skip("this qwen-lsp has no code actions yet"), true);

scenario("a code action from the light bulb applies its edit", async (t) => {
  if (noActions(t)) return;
  const expected = await expectedAction(fileUri(ACTION.file), ACTION.source, ACTION.line, ACTION_TITLE);
  assertEditWhenKnown(expected, "docstring");
  await vsc.clearNotifications();
  await openLine(ACTION.file, ACTION.line);
  await vsc.lightBulbAction(expected.title);
  if (expected.after !== undefined) {
    await vsc.waitForDirty(ACTION.file, 90_000);
    await vsc.saveUntilClean(ACTION.file);
    assert.equal(await vsc.waitForFile(ACTION.file, (text) => text !== ACTION.source), expected.after);
    if (KNOWN_TEXT) assert.match(expected.after, /\ndef retry\(.*\n {4}"""Retry\./);
  } else {
    // The model made no edit (random weights): VS Code must say why, and leave the file alone.
    // Which reason depends on the sampled answer; that it says so does not.
    assert.match(expected.message, /made no edit/);
    await vsc.waitForNotification("made no edit", 90_000);
    await vsc.save();
    // Read once the save is done: mid-write, the file can be empty.
    await vsc.waitForFile(ACTION.file, (text) => text === ACTION.source, 5_000);
  }
});

scenario("Refactor… asks for an instruction and applies the edit", async (t) => {
  if (noActions(t)) return;
  const expected = await expectedRefactor(fileUri(REFACTOR.file), REFACTOR.source, REFACTOR.line, REFACTOR.instruction);
  assertEditWhenKnown(expected, "refactoring");
  await vsc.clearNotifications();
  await openLine(REFACTOR.file, REFACTOR.line);
  await vsc.lightBulbAction(expected.title);
  const input = vsc.page.locator(".quick-input-widget", { hasText: "Qwen: Refactor" }).locator("input");
  await input.waitFor({ timeout: 10_000 });
  await input.fill(REFACTOR.instruction);
  await vsc.page.keyboard.press("Enter");
  if (expected.after !== undefined) {
    if (expected.after === REFACTOR.source) {
      // The trained model rewrites a line as it was: VS Code applies the edit, nothing changes.
      await vsc.waitForLog(`refactor: ${fileUri(REFACTOR.file)}: edit applied`, 90_000);
    } else {
      await vsc.waitForDirty(REFACTOR.file, 90_000);
    }
    await vsc.save();
    assert.equal(await vsc.waitForFile(REFACTOR.file, (text) => text === expected.after), expected.after);
  } else {
    await vsc.waitForNotification("made no edit", 90_000);
    await vsc.save();
    // Read once the save is done: mid-write, the file can be empty.
    await vsc.waitForFile(REFACTOR.file, (text) => text === REFACTOR.source, 5_000);
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

scenario("the status bar menu generates docs for the open file", async (t) => {
  if (noActions(t)) return;
  const expected = await expectedGenerate(fileUri(GENERATE.file), GENERATE.source);
  assertEditWhenKnown(expected, "documentation");
  await vsc.openFile(GENERATE.file);
  await vsc.statusItem.first().click();
  await vsc.page.locator(".quick-input-list .monaco-list-row", { hasText: "Generate docs for this file" }).first().click();
  if (expected.after !== undefined) {
    await vsc.waitForDirty(GENERATE.file, 90_000);
    await vsc.saveUntilClean(GENERATE.file);
    assert.equal(await vsc.waitForFile(GENERATE.file, (text) => text !== GENERATE.source), expected.after);
    if (KNOWN_TEXT) assert.match(expected.after, /\/\*\*\n \* Slugify\.\n \*\/\nfunction slugify\(/);
  } else {
    await vsc.waitForLog(`docs: ${fileUri(GENERATE.file)}: ${expected.message}`, 90_000);
    assert.equal(await vsc.readFile(GENERATE.file), GENERATE.source);
  }
});

scenario("with docs.onSave on, saving writes documentation", async (t) => {
  if (noActions(t)) return;
  const lines = DOCS.source.split("\n");
  const at = DOCS.line === undefined ? DOCS.source.length : lines.slice(0, DOCS.line - 1).join("\n").length + 1;
  const typed = DOCS.source.slice(0, at) + DOCS.typed + DOCS.source.slice(at);
  if (KNOWN_TEXT) assert.equal(typed, corpus(DOCS.file));
  const expected = await expectedDocs(fileUri(DOCS.file), DOCS.source, typed);
  assertEditWhenKnown(expected, "documentation on save");
  await vsc.updateSettings({ "qwen.docs.onSave": true });
  await vsc.waitForLog('"onSave":true', 15_000);
  await vsc.openFile(DOCS.file, DOCS.line);
  // Inserted as typed text, without the editor's auto-indent: the file must become `typed`.
  await vsc.page.keyboard.insertText(DOCS.typed);
  await vsc.save();
  await vsc.waitForFile(DOCS.file, (text) => text === typed);
  if (expected.after !== undefined) {
    await vsc.waitForDirty(DOCS.file, 90_000);
    await vsc.saveUntilClean(DOCS.file);
    assert.equal(await vsc.waitForFile(DOCS.file, (text) => text !== typed), expected.after);
    if (KNOWN_TEXT) assert.match(expected.after, /\ndef words\(text\):\n {4}"""Words\./);
  } else {
    // The model wrote nothing (random weights): the run still happened, and says so in the log.
    await vsc.waitForLog(`docs: ${fileUri(DOCS.file)}: ${expected.log}`, 90_000);
    assert.equal(await vsc.readFile(DOCS.file), typed);
  }
});

scenario("a wrong server path is reported with a fix; correcting it restarts the server", async () => {
  await vsc.clearNotifications();
  await vsc.updateSettings({ "qwen.server.path": "/nonexistent/qwen-lsp" });
  await vsc.waitForStatus("Qwen: error", 15_000);
  await vsc.waitForNotification("is not an executable file", 5_000);
  await vsc.updateSettings({ "qwen.server.path": SERVER });
  await vsc.waitForStatus("Qwen: ready", 60_000);
});
