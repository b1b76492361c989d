"""Where the uncached prompt tokens of a typing replay went: a table of causes from a KV trace.

    .venv/bin/python scripts/bench_typing.py --models content --systems qwen-lsp --kv-trace T.jsonl
    .venv/bin/python scripts/kv_trace_report.py T.jsonl
    .venv/bin/python scripts/kv_trace_report.py T.jsonl --pauses R.json   # R: bench_typing --json

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


def pauses(rows: list[dict], results: dict, slowest: int = 8) -> str:
    """Per qwen-lsp system of a replay's --json, its median and slowest pauses: the worker's
    requests that ran between the pause's keystroke and its answer, with where their time went
    (queued behind others, prefill, decode)."""
    out = []
    for model in results.values():
        for row in model.get("rows", []) if isinstance(model, dict) else []:
            if not row["system"].startswith("qwen-lsp") or not row.get("pause_at"):
                continue
            felt = sorted(zip(row["felt_ms_answered"], row["pause_at"], strict=True))
            picked = [felt[len(felt) // 2], *felt[-slowest:]]
            out.append(f"\n## {row['system']}: the median pause, then the {slowest} slowest\n")
            for ms, (at, kind) in picked:
                out.append(f"- {ms:.0f} ms after {kind}")
                ran = [r for r in rows if "arrived" in r and r["arrived"] < at + ms / 1000]
                for r in (r for r in ran if r["t"] > at):
                    out.append(
                        f"    - {r['priority']} #{r['id']} arrived "
                        f"{1000 * (r['arrived'] - at):+.0f} ms: queued {r['queued_ms']:.0f}, "
                        f"prefill {r['prefill_ms']:.0f} ms "
                        f"({r['uncached']} uncached of {r['prompt_tokens']}), decode "
                        f"{r['decode_ms']:.0f} ms ({r['generated']} tokens), {r['finish']}; "
                        f"{r['cause']}"
                    )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trace", type=Path)
    parser.add_argument("--pauses", type=Path, help="a bench_typing.py --json: explain its pauses")
    args = parser.parse_args()
    rows = read(args.trace)
    if args.pauses:
        print(pauses(rows, json.loads(args.pauses.read_text())))
        return
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
