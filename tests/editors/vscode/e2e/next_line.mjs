// At the end of a line of code the ghost text is the next line (an insert text that starts with
// a line break, at the cursor); Tab puts it below, at its indentation.
import * as fs from "node:fs";
import * as path from "node:path";

import { corpus, KNOWN_TEXT } from "./cases.mjs";
import { scenario, vsc } from "./session.mjs";

// A line of a training file removed: at the end of the line above, the trained model writes it.
// (Runs before completion.mjs, which opens temperature.py afresh: this one closes its editor.)
const FILE = "temperature.py";
const ABOVE = "    window: int = 5";
const NEXT = "    values: list[float] = field(default_factory=list)";

scenario("at the end of a line the ghost text is the next line, and Tab inserts it", async (t) => {
  if (!KNOWN_TEXT) return t.skip("only the trained model knows which line comes next");
  const original = corpus(FILE);
  const before = original.replace(`${ABOVE}\n${NEXT}\n`, `${ABOVE}\n`);
  if (before === original) throw new Error(`${FILE} has no line ${JSON.stringify(NEXT)}`);
  await fs.promises.writeFile(path.join(vsc.workspace, FILE), before);
  await vsc.openFile(FILE, before.split("\n").indexOf(ABOVE) + 1);
  await vsc.page.keyboard.press("End");
  await vsc.page.keyboard.press("Backspace");
  await vsc.page.keyboard.type("5", { delay: 20 }); // a keystroke at the line's end asks
  await vsc.waitForGhostText(NEXT);
  await vsc.page.keyboard.press("Tab");
  await vsc.saveUntilClean(FILE);
  await vsc.waitForFile(FILE, (text) => text === original);
  await vsc.runCommand("View: Close Editor");
});
