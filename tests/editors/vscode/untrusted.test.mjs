// A workspace VS Code does not trust chooses nothing that runs or loads (SECURITY.md). Its own
// .venv/bin/qwen-lsp leaves a marker if it ever runs; its .vscode/settings.json names that
// binary, another model, a download permission, a shared worker and a remote server that counts
// the connections it gets. The server that runs must be the user's, on the user's model.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { once } from "node:events";
import * as net from "node:net";
import * as path from "node:path";

import { openVSCode, ROOT, VSIX } from "./harness.mjs";

const SERVER = path.resolve(process.env.QWEN_LSP_SERVER ?? path.join(ROOT, ".venv", "bin", "qwen-lsp"));
const USER_MODEL = path.join(ROOT, "build", "tiny-model");
const SECRET_ENV = "QWEN_E2E_WORKSPACE_SECRET";

let vsc;
let remote;
const remoteConnections = [];
let base;
let marker;
let workspaceBinary;
let failed = false;

function scenario(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failed = true;
      await vsc?.screenshot(`untrusted-${name.replace(/\W+/g, "-")}`).catch(() => undefined);
      throw err;
    }
  });
}

before(async () => {
  for (const [what, file] of [["the server (make install)", SERVER], ["the model (make tiny-model)", path.join(USER_MODEL, "config.json")], ["the extension (make vscode-vsix)", VSIX]]) {
    assert.ok(fs.existsSync(file), `missing ${what}: ${file}`);
  }
  // Where the workspace would send code: a listener that only counts who connects.
  remote = net.createServer((socket) => {
    remoteConnections.push(new Date().toISOString());
    socket.destroy();
  });
  remote.listen(0, "127.0.0.1");
  await once(remote, "listening");
  const remoteUrl = `http://127.0.0.1:${remote.address().port}/v1`;

  base = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? "/tmp"), "qwen-untrusted-"));
  marker = path.join(base, "workspace-binary-ran");
  // Filled in once VS Code made the workspace folder: the file settings below point there.
  const workspaceFiles = (workspace) => {
    workspaceBinary = path.join(workspace, ".venv", "bin", "qwen-lsp");
    return {
      ".venv/bin/qwen-lsp": { text: `#!/bin/sh\necho "$0 $*" >> '${marker}'\nexec '${SERVER}' "$@"\n`, mode: 0o755 },
      ".vscode/settings.json": JSON.stringify({
        "qwen.server.path": workspaceBinary,
        "qwen.model": path.join(workspace, "workspace-model"),
        "qwen.worker.allowDownload": true,
        "qwen.worker.shared": true,
        "qwen.backend": "openai",
        "qwen.remote.url": remoteUrl,
        "qwen.remote.apiKeyEnv": SECRET_ENV,
      }),
      "app.py": "def add(a, b):\n    return a + b\n",
    };
  };
  // No qwen-lsp on the PATH the extension sees (VSCODE_CLI: code-server keeps this environment
  // instead of a login shell's), so a server can only come from settings or the workspace.
  const pathWithoutServer = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => dir && !fs.existsSync(path.join(dir, "qwen-lsp")))
    .join(path.delimiter);
  vsc = await openVSCode({
    name: "untrusted",
    untrusted: true,
    settings: { "qwen.server.path": SERVER, "qwen.model": USER_MODEL, "qwen.context.repoFiles": false },
    files: workspaceFiles,
    env: { PATH: pathWithoutServer, VSCODE_CLI: "1", [SECRET_ENV]: "do-not-send" },
  });
});

after(async () => {
  await vsc?.close({ failed });
  remote?.close();
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

/** Nothing the workspace chose ran or was reached: no marker, no connection to its server. */
function assertWorkspaceIgnored() {
  assert.ok(!fs.existsSync(marker), `the workspace's binary ran: ${fs.existsSync(marker) && fs.readFileSync(marker, "utf8")}`);
  assert.deepEqual(remoteConnections, [], "code was sent to the workspace's remote server");
}

/** Wait until `done()`, or until the workspace got its way (then the caller's assertions say so). */
async function waitUntil(done, timeout) {
  const deadline = Date.now() + timeout;
  while (!(await done()) && !fs.existsSync(marker) && !remoteConnections.length && Date.now() < deadline) {
    await vsc.page.waitForTimeout(200);
  }
}

const isWorker = (p) => p.argv.includes("qwen_lsp.worker");
const argAfter = (argv, flag) => argv[argv.indexOf(flag) + 1];

scenario("the user's server runs on the user's model; the workspace's choices are ignored", async () => {
  await vsc.page.locator(".statusbar-item", { hasText: "Restricted Mode" }).first().waitFor({ timeout: 15_000 });
  // Ready, or (were the workspace obeyed) a marker or a connection to its remote server.
  await waitUntil(async () => (await vsc.statusText()).includes("Qwen: ready"), 90_000);
  assertWorkspaceIgnored();
  await vsc.waitForStatus("Qwen: ready", 1_000);
  await vsc.waitForLog(`Starting ${SERVER} --stdio (from qwen.server.path)`, 10_000);
  const processes = await vsc.processes();
  const servers = processes.filter((p) => p.argv.includes("--stdio") && p.argv.some((a) => a.endsWith("qwen-lsp")));
  assert.deepEqual(servers.map((p) => p.argv.find((a) => a.endsWith("qwen-lsp"))), [SERVER], "the one server is the user's");
  const workers = processes.filter(isWorker);
  assert.equal(workers.length, 1, `one model worker: ${JSON.stringify(workers)}`);
  const [worker] = workers;
  assert.equal(worker.ppid, servers[0].pid, "the server's own worker");
  assert.equal(argAfter(worker.argv, "--model"), USER_MODEL, "the model loaded is the user's");
  assert.ok(!worker.argv.includes("--allow-download"), "downloads stay off, as the user has them");
  assert.ok(!worker.argv.includes("--socket"), "not the shared worker the workspace asked for");
  assertWorkspaceIgnored();
});

scenario("without a server in user settings, the workspace's .venv is not started", async () => {
  await vsc.clearNotifications();
  await vsc.updateUserSettings({ "qwen.server.path": null });
  // The extension restarts and reports an error (were it to start the workspace's binary
  // instead, a marker would appear).
  await waitUntil(async () => (await vsc.statusText()).includes("Qwen: error"), 30_000);
  assertWorkspaceIgnored();
  await vsc.waitForStatus("Qwen: error", 1_000);
  await vsc.waitForNotification("this workspace is not trusted", 5_000);
  // The user's server, stopped for the restart, may take a moment to exit.
  const deadline = Date.now() + 10_000;
  let servers;
  while ((servers = (await vsc.processes()).filter((p) => p.argv.some((a) => a.endsWith("qwen-lsp")))).length && Date.now() < deadline) {
    await vsc.page.waitForTimeout(200);
  }
  assert.deepEqual(servers, [], "no server runs");
  assert.ok(fs.existsSync(workspaceBinary), "the workspace does have a .venv/bin/qwen-lsp");
  assertWorkspaceIgnored();
});
