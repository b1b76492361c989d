// Documentation written when the user saves, with docs.onSave on.
import assert from "node:assert/strict";

import { corpus, DOCS, KNOWN_TEXT } from "./cases.mjs";
import { assertEditWhenKnown, expectedDocs } from "./expected.mjs";
import { fileUri, noActions, scenario, vsc } from "./session.mjs";

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
  // The run's log line comes once it is over: for an edit, once VS Code has applied it to the
  // buffer (applyEdit answered applied=true). The tab's dirty mark cannot say so: the typing's
  // can outlast the save's write to disk, and a save pressed then loses the race to the edit.
  await vsc.waitForLog(`docs: ${fileUri(DOCS.file)}: ${expected.log}`, 90_000);
  if (expected.after !== undefined) {
    // The save is never delayed: the edit lands after it, in the buffer; the user saves again.
    await vsc.saveUntilClean(DOCS.file);
    assert.equal(await vsc.waitForFile(DOCS.file, (text) => text !== typed), expected.after);
    if (KNOWN_TEXT) assert.match(expected.after, /\ndef words\(text\):\n {4}"""Words\./);
  } else {
    // The model wrote nothing (random weights): the run still happened, and the file is as saved.
    assert.equal(await vsc.readFile(DOCS.file), typed);
  }
});
