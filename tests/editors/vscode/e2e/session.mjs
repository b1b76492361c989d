// The one VS Code session every scenario shares, and the oracle: the same server over a plain
// LSP connection, which says what VS Code must end up with.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { openVSCode, VSIX } from "../harness.mjs";
import { LspClient } from "../lsp.mjs";
import {
  ACCEPT_FILE,
  ACTION,
  COMPLETION_BEFORE,
  COMPLETION_FILE,
  DOCS,
  flatten,
  GENERATE,
  MODEL,
  REFACTOR,
  SERVER,
  SERVER_SETTINGS,
} from "./cases.mjs";

export let vsc;
export let oracle;
export let capabilities;
let failed = false;

/** A scenario that leaves a screenshot and VS Code's logs under build/ when it fails. */
export function scenario(name, fn) {
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

export const fileUri = (file) => pathToFileURL(path.join(vsc.workspace, file)).href;

/** Skips `t` (and says why) when the server has no code actions yet. */
export const noActions = (t) => !capabilities.codeActionProvider && (t.skip("this qwen-lsp has no code actions yet"), true);
