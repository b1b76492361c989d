// The status bar item's menu: completions off and on, stats, docs for the open file.
import assert from "node:assert/strict";

import { GENERATE, KNOWN_TEXT } from "./cases.mjs";
import { assertEditWhenKnown, expectedGenerate } from "./expected.mjs";
import { fileUri, noActions, scenario, vsc } from "./session.mjs";

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
