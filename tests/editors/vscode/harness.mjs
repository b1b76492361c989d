// Real VS Code for tests: code-server on a free loopback port with throwaway user-data and
// extensions folders, the extension installed from its .vsix, driven by Debian's Chromium.
// A session's helpers: workbench.mjs (the UI, as a user drives it), session_files.mjs (its files).
import { spawn, execFile } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

import { descendants } from "./processes.mjs";
import { sessionFiles } from "./session_files.mjs";
import { workbench } from "./workbench.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../../..");
export const BUILD = path.join(ROOT, "build", "vscode-e2e");
const CODE_SERVER = path.join(here, "node_modules", ".bin", "code-server");
export const VSIX = process.env.QWEN_VSIX ?? path.join(ROOT, "clients", "vscode", "dist", "qwen-lsp.vsix");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

async function freePort() {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

async function waitForHttp(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`code-server exited with ${proc.exitCode} before it listened`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms`);
}

/**
 * One VS Code session: `settings` go to the user settings.json, `files` ({path: text} or
 * {path: {text, mode}}, or a function of the folder's path giving them) into a fresh workspace
 * folder. `untrusted`: workspace trust on, and
 * the folder opens in Restricted Mode. Returns helpers; always `await session.close()`.
 */
export async function openVSCode({ name, settings = {}, files = {}, env = {}, untrusted = false }) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "qwen-vscode-"));
  const userData = path.join(dir, "user-data");
  const extensions = path.join(dir, "extensions");
  const workspace = path.join(dir, "workspace");
  const userSettings = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": false,
    "workbench.enableExperiments": false,
    "workbench.welcomePage.walkthroughs.openOnInstall": false,
    "workbench.secondarySideBar.defaultVisibility": "hidden",
    "extensions.ignoreRecommendations": true,
    "extensions.autoCheckUpdates": false,
    "extensions.autoUpdate": false,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "security.workspace.trust.enabled": untrusted,
    // No modal question at start: a folder nobody trusted opens in Restricted Mode.
    "security.workspace.trust.startupPrompt": "never",
    "chat.disableAIFeatures": true,
    "editor.inlineSuggest.enabled": true,
    "editor.quickSuggestions": { other: false, comments: false, strings: false },
    "editor.suggestOnTriggerCharacters": false,
    "editor.acceptSuggestionOnEnter": "off",
    "editor.autoClosingBrackets": "never",
    "editor.autoClosingQuotes": "never",
    "files.autoSave": "off",
    "files.insertFinalNewline": false,
    "files.trimTrailingWhitespace": false,
    ...settings,
  };
  // code-server is a remote: machine-scoped settings (qwen.server.*) live in Machine/.
  for (const scope of ["User", "Machine"]) {
    await fs.mkdir(path.join(userData, scope), { recursive: true });
    await fs.writeFile(path.join(userData, scope, "settings.json"), JSON.stringify(userSettings, null, 2));
  }
  await fs.mkdir(workspace, { recursive: true });
  // A function of the workspace folder, for files that name paths inside it.
  for (const [file, content] of Object.entries(typeof files === "function" ? files(workspace) : files)) {
    const { text, mode } = typeof content === "string" ? { text: content } : content;
    await fs.mkdir(path.dirname(path.join(workspace, file)), { recursive: true });
    await fs.writeFile(path.join(workspace, file), text, mode === undefined ? {} : { mode });
  }

  const baseEnv = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(dir, "config"),
    XDG_DATA_HOME: path.join(dir, "data"),
    // The server keeps its acceptance figures here, not in the user's home.
    XDG_STATE_HOME: path.join(dir, "state"),
    ...env,
  };
  const common = ["--user-data-dir", userData, "--extensions-dir", extensions];
  await promisify(execFile)(CODE_SERVER, [...common, "--install-extension", VSIX], {
    env: baseEnv,
  });

  const port = await freePort();
  const log = await fs.open(path.join(dir, "code-server.log"), "w");
  const proc = spawn(
    CODE_SERVER,
    [
      ...common,
      "--auth", "none",
      "--bind-addr", `127.0.0.1:${port}`,
      "--disable-telemetry",
      "--disable-update-check",
      ...(untrusted ? [] : ["--disable-workspace-trust"]),
      "--disable-getting-started-override",
      "--reconnection-grace-time", "3",
      "--config", path.join(dir, "config.yaml"),
      workspace,
    ],
    { env: baseEnv, stdio: ["ignore", log.fd, log.fd], detached: true },
  );
  const url = `http://127.0.0.1:${port}/`;
  let browser;
  const session = {
    name,
    proc,
    dir,
    workspace,
    page: undefined,
    async screenshot(label) {
      const out = path.join(BUILD, "failures");
      await fs.mkdir(out, { recursive: true });
      const png = path.join(out, `${label}.png`);
      await session.page.screenshot({ path: png });
      console.error(`screenshot: ${png}`);
    },
    /** The processes code-server started, at any depth: [{pid, ppid, argv}]. */
    processes() {
      return descendants(session.proc.pid);
    },
    async close({ failed = false } = {}) {
      if (failed && session.page) {
        await saveFailure(session).catch(() => undefined);
      }
      await browser?.close().catch(() => undefined);
      // code-server runs in its own process group; end it with its extension host and server.
      if (proc.exitCode === null) {
        try {
          process.kill(-proc.pid, "SIGTERM");
        } catch {
          // already gone
        }
        await Promise.race([once(proc, "exit"), new Promise((r) => setTimeout(r, 3000))]);
        if (proc.exitCode === null) {
          try {
            process.kill(-proc.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      await log.close();
      // A failure's logs were copied under build/ by saveFailure.
      if (process.env.QWEN_E2E_KEEP) {
        console.error(`VS Code files and logs: ${dir}`);
      } else {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },
  };
  try {
    await waitForHttp(`${url}healthz`, proc, 30_000);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    session.page = page;
    await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 30_000 });
    return Object.assign(session, workbench(page), sessionFiles(session));
  } catch (err) {
    await session.close({ failed: true });
    throw err;
  }
}

async function saveFailure(session) {
  const out = path.join(BUILD, "failures");
  await fs.mkdir(out, { recursive: true });
  const png = path.join(out, `${session.name}.png`);
  await session.page.screenshot({ path: png });
  // The workspace and the logs; the installed extension and caches are of no use.
  const logs = path.join(out, session.name);
  await fs.rm(logs, { recursive: true, force: true });
  for (const part of ["workspace", "code-server.log", path.join("user-data", "logs"), path.join("user-data", "User")]) {
    await fs.cp(path.join(session.dir, part), path.join(logs, part), { recursive: true }).catch(() => undefined);
  }
  console.error(`screenshot: ${png}\nlogs: ${logs}`);
}
