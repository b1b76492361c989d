"""Where the uncached prompt tokens of a typing replay went: a table of causes from a KV trace.

    .venv/bin/python scripts/bench_typing.py --models content --systems qwen-lsp --kv-trace T.jsonl
    .venv/bin/python scripts/kv_trace_report.py T.jsonl

The worker writes the trace when `QWEN_LSP_KV_TRACE` names a file (server/qwen_lsp/worker/
kv_trace.py): one line per request. Keystrokes (interactive requests) are counted as `qwen.stats`
counts them; background work (pre-warm, next suggestion) in a table of its own.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _label(row: dict) -> str:
    cause = row["cause"]
    if row["switched"] and cause not in ("none", "typing"):
        cause += ", after a file switch"
    writer = row.get("before_by") or {}
    if writer.get("priority") == "background" and cause not in ("none",):
        cause += ", cache last filled by " + (
            "a pre-warm" if writer.get("max_tokens") == 0 else "a next suggestion"
        )
    return cause


def table(rows: list[dict], priority: str = "interactive") -> str:
    mine = [r for r in rows if r["priority"] == priority]
    prompt = sum(r["prompt_tokens"] for r in mine)
    uncached = sum(r["uncached"] for r in mine)
    unfed = sum(r["uncached"] - r["fed"] for r in mine)  # stopped first: cancelled, time box
    by: dict[str, list[dict]] = defaultdict(list)
    for r in mine:
        by[_label(r)].append(r)
    reuse = 1 - uncached / prompt if prompt else 0.0
    lines = [
        f"{priority}: {len(mine)} requests, {prompt:,} prompt tokens, {uncached:,} uncached "
        f"(KV reuse {reuse:.2%}); {unfed:,} of the uncached were never fed (the request "
        "stopped first)",
        "",
        "| cause | requests | uncached tokens | share | per request | first miss in |",
        "|---|---|---|---|---|---|",
    ]
    for label, group in sorted(by.items(), key=lambda kv: -sum(r["uncached"] for r in kv[1])):
        n = sum(r["uncached"] for r in group)
        regions = defaultdict(int)
        for r in group:
            regions[r["region"]] += r["uncached"]
        where = ", ".join(f"{k} {v:,}" for k, v in sorted(regions.items(), key=lambda kv: -kv[1]))
        share = n / uncached if uncached else 0.0
        lines.append(
            f"| {label} | {len(group)} | {n:,} | {share:.1%} | {n / len(group):.1f} | {where} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", type=Path)
    args = parser.parse_args()
    rows = read(args.trace)
    for pid in sorted({r["pid"] for r in rows}):
        print(f"\n## worker {pid}\n")
        print(table([r for r in rows if r["pid"] == pid]))
    if len({r["pid"] for r in rows}) > 1:
        print("\n## all workers\n")
        print(table(rows))
    print()
    print(table(rows, "background"))


if __name__ == "__main__":
    main()
