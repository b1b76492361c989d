// What a VS Code session (see harness.mjs) keeps on disk: the workspace's files, the user's and
// the workspace's settings, and the extension's log.
import * as fs from "node:fs/promises";
import * as path from "node:path";

/** The helpers on a VS Code session that read and change its files. */
export function sessionFiles(session) {
  return {
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
        await session.page.waitForTimeout(200);
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
    /** Change settings as a person would, in the workspace's .vscode/settings.json. */
    async updateSettings(changes) {
      const file = path.join(session.workspace, ".vscode", "settings.json");
      await fs.mkdir(path.dirname(file), { recursive: true });
      const current = JSON.parse(await fs.readFile(file, "utf8").catch(() => "{}"));
      await fs.writeFile(file, JSON.stringify({ ...current, ...changes }, null, 2));
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
