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
import { applyInline, LspClient, positionAt } from "./lsp.mjs";

const MODEL = path.resolve(process.env.QWEN_LSP_TEST_MODEL ?? path.join(ROOT, "build", "tiny-model"));
const SERVER = path.join(ROOT, ".venv", "bin", "qwen-lsp");
// Repository context would make VS Code's prompts depend on its typing history; off, the
// prompt depends on the document alone and the oracle below sees the same one.
const SERVER_SETTINGS = { model: MODEL, context: { repoFiles: false } };

const COMPLETION_FILE = "complete.py";
const COMPLETION_BEFORE = "import os\n\n\n";
const TYPED = "def add(a, b):";

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
function scenario(name, options, fn) {
  test(name, options, async () => {
    try {
      await fn();
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
    files: { [COMPLETION_FILE]: COMPLETION_BEFORE },
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

scenario("the status bar reaches ready", {}, async () => {
  await vsc.waitForStatus("Qwen: ready", 60_000);
});

scenario("typing shows ghost text and Tab accepts it", {}, async () => {
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
