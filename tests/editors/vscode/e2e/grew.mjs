// A slow suggestion is answered with its text so far (`completion.answerWithinMs`); once the
// whole one is ready the server says so (`qwen/suggestionGrew`) and VS Code asks again: the ghost
// text grows to the whole suggestion without typing.
import assert from "node:assert/strict";

import { corpus, KNOWN_TEXT, SERVER_SETTINGS } from "./cases.mjs";
import { expectedCompletion } from "./expected.mjs";
import { fileUri, scenario, vsc } from "./session.mjs";

// A line of a training file emptied but for its indentation (none of the other scenarios' holes).
const FILE = "temperature.py";
const LINE = "        self.values.append(value)";
// Answered at the first word; no speculation, which could draft the whole line in one step.
const EARLY = { "qwen.completion.answerWithinMs": 1, "qwen.worker.speculation": "off" };
const RESTORED = { "qwen.completion.answerWithinMs": SERVER_SETTINGS.completion.answerWithinMs, "qwen.worker.speculation": "all" };

scenario("a suggestion answered early grows to the whole one without typing", async (t) => {
  if (!KNOWN_TEXT) return t.skip("only the trained model's suggestion is known in advance");
  const original = corpus(FILE);
  const offset = original.indexOf(`\n${LINE}\n`) + 1;
  assert.ok(offset > 0, `${FILE} has no line ${JSON.stringify(LINE)}`);
  const typed = LINE.slice(0, LINE.length - LINE.trimStart().length);
  const before = original.slice(0, offset) + original.slice(offset + LINE.length);
  const whole = await expectedCompletion(fileUri(FILE), before, offset, typed);
  assert.equal(whole?.after, original, "the oracle's whole suggestion is the line the model learned");
  try {
    await vsc.updateSettings(EARLY); // the workspace's, as docs_on_save.mjs did before
    // Taken, and the worker loaded again without speculation.
    const restarted = (log) => log.indexOf("worker ready", log.lastIndexOf('"answerWithinMs":1') + 1) > 0;
    await vsc.waitForLog((log) => log.includes('"answerWithinMs":1') && restarted(log), 60_000);
    // The file is open and saved as the model learned it (next_line.mjs, completion.mjs): the
    // line is emptied in the editor, as a user would, and its indentation typed again.
    assert.equal(await vsc.readFile(FILE), original);
    await vsc.showTab(FILE, before.slice(0, offset).split("\n").length);
    await vsc.page.keyboard.press("Shift+End");
    await vsc.page.keyboard.press("Delete");
    await vsc.page.keyboard.type(typed, { delay: 20 });
    // The server answered early, then told VS Code the whole suggestion is ready: it shows it.
    await vsc.waitForLog(`The whole suggestion is ready at ${fileUri(FILE)}:`, 30_000);
    await vsc.waitForGhostText(whole.item.insertText);
    await vsc.page.keyboard.press("Tab");
    await vsc.saveUntilClean(FILE);
    await vsc.waitForFile(FILE, (text) => text === original);
  } finally {
    await vsc.updateSettings(RESTORED);
  }
});
