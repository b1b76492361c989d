// Which processes a test's editor started, from Linux's /proc (the e2e suites run on Linux).
import * as fs from "node:fs/promises";

/** Every process below `root`, at any depth: [{pid, ppid, argv}]. */
export async function descendants(root) {
  const all = [];
  for (const entry of await fs.readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, "utf8");
      // The fields after the command name, which may hold spaces and parentheses: state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const argv = (await fs.readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0").filter(Boolean);
      all.push({ pid: Number(entry), ppid, argv });
    } catch {
      // it exited while we read
    }
  }
  const ours = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => p.pid !== root && ours.has(p.pid));
}
