// Driving VS Code's workbench in the browser as a user would: keys, quick open, the command
// palette, the light bulb, and waits for what it shows (ghost text, status bar, notifications).
const MOD = process.platform === "darwin" ? "Meta" : "Control";

/** The helpers on a VS Code session (see harness.mjs) that act on its `page`. */
export function workbench(page) {
  const statusItem = page.locator(".statusbar-item", { hasText: "Qwen" });
  return {
    statusItem,
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
  };
}
