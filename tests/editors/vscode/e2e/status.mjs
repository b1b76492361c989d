// The status bar follows the model: loading, then ready.
import assert from "node:assert/strict";

import { scenario, vsc } from "./session.mjs";

scenario("the status bar shows the model loading, then ready", async () => {
  const seen = new Set();
  const deadline = Date.now() + 60_000;
  while (!(await vsc.statusItem.count()) || !(await vsc.statusText()).includes("Qwen: ready")) {
    assert.ok(Date.now() < deadline, `the status bar never said "Qwen: ready"; it said ${JSON.stringify([...seen])}`);
    if (await vsc.statusItem.count()) seen.add(await vsc.statusText());
    await vsc.page.waitForTimeout(50);
  }
  assert.ok([...seen].some((text) => text.startsWith("Qwen: loading model")), `no loading state among ${JSON.stringify([...seen])}`);
});
