// Ghost text as the user types, and taking all of it, a word or a line of it.
import assert from "node:assert/strict";

import { KNOWN_TEXT, TYPED_CANDIDATES } from "./cases.mjs";
import { completionCase } from "./expected.mjs";
import { scenario, vsc } from "./session.mjs";

scenario("typing shows ghost text and Tab accepts it", async () => {
  const found = await completionCase();
  assert.ok(found, `the server completes none of ${JSON.stringify(TYPED_CANDIDATES)}`);
  const { file, line, typed, expected, keystrokes } = found;
  await vsc.openFile(file, line);
  await (keystrokes ? vsc.page.keyboard.type(typed, { delay: 20 }) : vsc.page.keyboard.insertText(typed));
  // Tab only once the ghost text is the answer for the whole line (an earlier one may show first).
  await vsc.waitForGhostText(expected.item.insertText);
  await vsc.page.keyboard.press("Tab");
  await vsc.save();
  if (keystrokes) {
    await vsc.waitForFile(file, (text) => text === expected.after);
  } else {
    // Random weights: VS Code's answer can differ from the oracle's in its tail (the server's
    // caches hold different histories); the accepted start must be the same.
    const start = expected.after.slice(0, expected.after.length - expected.item.insertText.length + 20);
    await vsc.waitForFile(file, (text) => text.startsWith(start) && text.length > start.length);
  }
  // The status bar then shows that completion's latency.
  await vsc.waitForStatus(" ms", 10_000);
});

/** The last acceptance figures the extension logged (its "Acceptance: …" line), zeros before. */
async function loggedAcceptance() {
  const pattern = /Acceptance: (\d+) shown, (\d+) accepted, (\d+) partly \(kept (\d+) of (\d+) characters\)/g;
  const all = [...(await vsc.logText()).matchAll(pattern)];
  const [shown, accepted, partly, kept, total] = all.length ? all.at(-1).slice(1).map(Number) : [0, 0, 0, 0, 0];
  return { shown, accepted, partly, kept, total };
}

/** Wait until the logged figures satisfy `predicate(figures)`; returns them. */
async function waitForAcceptance(what, predicate, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const figures = await loggedAcceptance();
    if (predicate(figures)) return figures;
    assert.ok(Date.now() < deadline, `the acceptance figures never showed ${what}: last ${JSON.stringify(figures)}`);
    await vsc.page.waitForTimeout(200);
  }
}

const units = (text) => text.length; // JavaScript strings are UTF-16, as the protocol counts

scenario("Ctrl+→ takes a word and Ctrl+Alt+→ the rest of the line; the stats count both", async (t) => {
  // Trained model: a corpus line of several words, which the word and the rest of the line
  // complete. Random weights: whatever VS Code shows (the server's caches make it differ from
  // the oracle's), measured by what was saved.
  const found = await completionCase((text) => !KNOWN_TEXT || (!text.trim().includes("\n") && /^\s*\w+\W/.test(text)));
  assert.ok(found, `the server completes none of ${JSON.stringify(TYPED_CANDIDATES)}`);
  const { file, line, typed, expected, keystrokes } = found;
  const start = await loggedAcceptance();
  await vsc.openFile(file, line);
  await (keystrokes ? vsc.page.keyboard.type(typed, { delay: 20 }) : vsc.page.keyboard.insertText(typed));
  await vsc.waitForGhostText(KNOWN_TEXT ? expected.item.insertText : "");
  await waitForAcceptance("the suggestion shown", (f) => f.shown > start.shown);
  // The extension timed it from the keystroke: qwen.stats keeps that beside its own latency.
  const felt = /Felt latency: In VS Code p50 [\d.]+ ms from the keystroke \(the server's [\d.]+ ms, [1-9]\d* suggestions\)/;
  for (const deadline = Date.now() + 15_000; !felt.test(await vsc.logText()); ) {
    assert.ok(Date.now() < deadline, "the felt latency was never logged");
    await vsc.page.waitForTimeout(200);
  }
  await vsc.page.waitForTimeout(1000); // the figures of what typing did settle first
  // Typing may already have taken the start of a suggestion (typed-through): compare with now.
  const before = await loggedAcceptance();
  await vsc.page.keyboard.press("Control+ArrowRight");
  const word = await waitForAcceptance("a word taken", (f) => f.kept > before.kept);
  let all = word;
  if (word.accepted === before.accepted) {
    assert.ok(word.partly >= 1, "no partly accepted suggestion after a word");
    await vsc.page.keyboard.press("Control+Alt+ArrowRight");
    all = await waitForAcceptance("the line taken", (f) => f.kept > word.kept);
  } else {
    assert.ok(!KNOWN_TEXT, "a word took the whole of a suggestion of several words");
  }
  await vsc.waitForStatus("% accepted", 10_000);
  await vsc.saveUntilClean(file);
  // What the keys inserted: the saved text minus the file before and what was typed.
  const at = found.offset + typed.length;
  const typedText = found.before.slice(0, found.offset) + typed + found.before.slice(found.offset);
  const saved = await vsc.waitForFile(file, (text) => text.length > typedText.length);
  const taken = saved.slice(at, at + saved.length - typedText.length);
  assert.equal(saved, typedText.slice(0, at) + taken + typedText.slice(at), "the keys inserted at the cursor");
  t.diagnostic(`took ${JSON.stringify(taken)}: ${JSON.stringify({ before, word, all })}`);
  assert.equal(all.kept - before.kept, units(taken), `characters kept, having taken ${JSON.stringify(taken)}`);
  if (KNOWN_TEXT) {
    assert.equal(saved, expected.after);
    assert.equal(all.accepted, before.accepted + 1, "the word and the rest of the line are the whole suggestion");
    assert.equal(all.partly, word.partly - 1, "the partly accepted suggestion became a whole one");
  }
});
