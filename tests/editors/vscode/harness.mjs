// Real VS Code for tests: code-server on a free loopback port with throwaway user-data and
// extensions folders, the extension installed from its .vsix, driven by Debian's Chromium.
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

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../../..");
export const BUILD = path.join(ROOT, "build", "vscode-e2e");
const CODE_SERVER = path.join(here, "node_modules", ".bin", "code-server");
export const VSIX = process.env.QWEN_VSIX ?? path.join(ROOT, "clients", "vscode", "dist", "qwen-lsp.vsix");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const MOD = process.platform === "darwin" ? "Meta" : "Control";

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
    return Object.assign(session, helpers(session));
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

function helpers(session) {
  const page = session.page;
  const statusItem = page.locator(".statusbar-item", { hasText: "Qwen" });
  return {
    statusItem,
    async screenshot(label) {
      const out = path.join(BUILD, "failures");
      await fs.mkdir(out, { recursive: true });
      const png = path.join(out, `${label}.png`);
      await page.screenshot({ path: png });
      console.error(`screenshot: ${png}`);
    },
    /**
     * Wait until the editor shows ghost text that contains `text`'s first non-blank line. The
     * ghost text comes in one element per token and line: compared without whitespace.
     */
    async waitForGhostText(text, timeout = 20_000) {
      const squeeze = (t) => t.replace(/\s+/g, "");
      const want = squeeze(text.split("\n").find((line) => line.trim()) ?? "").slice(0, 40);
      const ghost = page.locator(".ghost-text-decoration, .ghost-text");
      const deadline = Date.now() + timeout;
      let seen = "";
      while (Date.now() < deadline) {
        seen = (await ghost.allInnerTexts()).join("");
        if (seen && squeeze(seen).includes(want)) return;
        await page.waitForTimeout(100);
      }
      throw new Error(`no ghost text with ${JSON.stringify(want)}; last seen: ${JSON.stringify(seen)}`);
    },
    /** Wait until the Qwen status bar item's text contains `text`. */
    async waitForStatus(text, timeout = 60_000) {
      await statusItem.filter({ hasText: text }).first().waitFor({ timeout });
    },
    async statusText() {
      // The item re-renders as the state changes; a detached read counts as no text.
      return (await statusItem.first().innerText({ timeout: 1000 }).catch(() => "")).trim();
    },
    async runCommand(label) {
      await page.keyboard.press(`${MOD}+Shift+P`);
      const input = page.locator(".quick-input-widget input");
      await input.waitFor();
      await input.fill(`>${label}`);
      await page.locator(".quick-input-list .monaco-list-row", { hasText: label }).first().waitFor();
      await page.keyboard.press("Enter");
    },
    /** Dismiss every notification, so a wait for one cannot match an earlier one. */
    async clearNotifications() {
      await this.runCommand("Notifications: Clear All Notifications");
      await page.locator(".notification-toast").first().waitFor({ state: "detached", timeout: 5000 }).catch(() => undefined);
    },
    /** Open a workspace file in the editor, the cursor at the start of `line` or at the end. */
    async openFile(file, line) {
      const input = page.locator(".quick-input-widget input");
      const row = page.locator(".quick-input-list .monaco-list-row", { hasText: file }).first();
      // Quick open lists files from a workspace search that can lag on a loaded machine (seen in
      // a full run: nothing listed in 30 s, listed at once when asked again): ask again.
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press(`${MOD}+P`);
        await input.waitFor();
        await input.fill(file);
        try {
          await row.waitFor({ timeout: 10_000 });
          break;
        } catch (error) {
          if (attempt === 4) throw error;
          await page.keyboard.press("Escape");
          await page.waitForTimeout(500);
        }
      }
      await page.keyboard.press("Enter");
      await page.locator(`.tab[aria-label^="${file}"]`).first().waitFor();
      await this.goToLine(line);
    },
    /** Bring the open editor of `file` to the front by its tab, the cursor as `openFile` puts it. */
    async showTab(file, line) {
      await page.locator(`.tab[aria-label^="${file}"]`).first().click();
      await page.locator(`.tab.active[aria-label^="${file}"]`).first().waitFor({ timeout: 5000 });
      await this.goToLine(line);
    },
    /** The cursor at the start of `line` of the active editor, or at its end. */
    async goToLine(line) {
      await page.locator(".monaco-editor .view-lines").first().click();
      if (line === undefined) {
        await page.keyboard.press(`${MOD}+End`);
      } else {
        await page.keyboard.press(`${MOD}+G`);
        await page.locator(".quick-input-widget input").fill(`:${line}:1`);
        await page.keyboard.press("Enter");
      }
    },
    /** Wait until the editor tab of `file` shows unsaved changes. */
    async waitForDirty(file, timeout = 30_000) {
      await page.locator(`.tab.dirty[aria-label^="${file}"]`).first().waitFor({ timeout });
    },
    async waitForNotification(text, timeout = 30_000) {
      await page.locator(".notification-toast", { hasText: text }).first().waitFor({ timeout });
    },
    /** The extension's log so far (the "Qwen LSP" output channel, as VS Code writes it). */
    async logText() {
      const logs = await fs.readdir(path.join(session.dir, "user-data", "logs"), { recursive: true });
      const file = logs.find((f) => f.endsWith(path.join("qwen-lsp.qwen-lsp", "Qwen LSP.log")));
      return file ? fs.readFile(path.join(session.dir, "user-data", "logs", file), "utf8") : "";
    },
    /** Wait until the extension's log has `text` (a string, or a predicate on the whole log). */
    async waitForLog(text, timeout = 30_000) {
      const deadline = Date.now() + timeout;
      const found = typeof text === "function" ? text : (log) => log.includes(text);
      for (;;) {
        if (found(await this.logText())) return;
        if (Date.now() > deadline) throw new Error(`the Qwen LSP log never said ${typeof text === "function" ? text.toString() : JSON.stringify(text)}`);
        await page.waitForTimeout(200);
      }
    },
    async userSettings() {
      return JSON.parse(await fs.readFile(path.join(session.dir, "user-data", "User", "settings.json"), "utf8"));
    },
    /** Change the user's settings on disk (User/ and Machine/, see openVSCode); null removes one. */
    async updateUserSettings(changes) {
      for (const scope of ["User", "Machine"]) {
        const file = path.join(session.dir, "user-data", scope, "settings.json");
        const current = JSON.parse(await fs.readFile(file, "utf8"));
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) delete current[key];
          else current[key] = value;
        }
        await fs.writeFile(file, JSON.stringify(current, null, 2));
      }
    },
    /** The processes code-server started, at any depth: [{pid, ppid, argv}]. */
    processes() {
      return descendants(session.proc.pid);
    },
    /** Change settings as a person would, in the workspace's .vscode/settings.json. */
    async updateSettings(changes) {
      const file = path.join(session.workspace, ".vscode", "settings.json");
      await fs.mkdir(path.dirname(file), { recursive: true });
      const current = JSON.parse(await fs.readFile(file, "utf8").catch(() => "{}"));
      await fs.writeFile(file, JSON.stringify({ ...current, ...changes }, null, 2));
    },
    /**
     * Open the light bulb's menu at the cursor and pick `title`. The bulb must first move to the
     * cursor's line: one left over from an earlier position runs actions VS Code has already
     * dropped ("Actual command not found").
     */
    async lightBulbAction(title, timeout = 15_000) {
      const bulb = page.locator(".lightBulbWidget");
      const cursor = page.locator(".monaco-editor.focused .cursor").first();
      const deadline = Date.now() + timeout;
      for (;;) {
        const [b, c] = await Promise.all([bulb.boundingBox().catch(() => null), cursor.boundingBox().catch(() => null)]);
        if (b && c && Math.abs(b.y + b.height / 2 - (c.y + c.height / 2)) < c.height) break;
        if (Date.now() > deadline) throw new Error("no light bulb on the cursor's line");
        await page.waitForTimeout(100);
      }
      await bulb.click();
      await page.locator(".action-widget .monaco-list-row", { hasText: title }).first().click();
    },
    async save() {
      await page.keyboard.press(`${MOD}+S`);
    },
    /** Save `file` until its tab is clean: a key pressed while an edit lands can go astray. */
    async saveUntilClean(file, timeout = 15_000) {
      const dirty = page.locator(`.tab.dirty[aria-label^="${file}"]`);
      const deadline = Date.now() + timeout;
      for (;;) {
        await page.locator(".monaco-editor .view-lines").first().focus().catch(() => undefined);
        await page.keyboard.press(`${MOD}+S`);
        try {
          await dirty.first().waitFor({ state: "detached", timeout: 2_000 });
          return;
        } catch {
          if (Date.now() > deadline) throw new Error(`${file} stayed unsaved`);
        }
      }
    },
    async readFile(file) {
      return fs.readFile(path.join(session.workspace, file), "utf8");
    },
    /** Wait until `file` on disk satisfies `predicate`; returns its text. */
    async waitForFile(file, predicate, timeout = 30_000) {
      const deadline = Date.now() + timeout;
      let text = "";
      while (Date.now() < deadline) {
        text = await fs.readFile(path.join(session.workspace, file), "utf8");
        if (predicate(text)) return text;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${file} never reached the expected content; last saved:\n${text}`);
    },
  };
}
