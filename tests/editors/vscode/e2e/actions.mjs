// Code actions from the light bulb: a tool-call edit, and Refactor… with the user's instruction.
import assert from "node:assert/strict";

import { ACTION, ACTION_TITLE, KNOWN_TEXT, REFACTOR } from "./cases.mjs";
import { assertEditWhenKnown, expectedAction, expectedRefactor } from "./expected.mjs";
import { fileUri, noActions, scenario, vsc } from "./session.mjs";

/** Open `file` with the cursor at the end of `line` (or of the file). */
async function openLine(file, line) {
  await vsc.openFile(file, line);
  if (line !== undefined) await vsc.page.keyboard.press("End");
}

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
