"""Typing replay: type a real file's lines back one keystroke at a time, asking for ghost text
after each, through the real server and worker. Reports KV-cache reuse, latency and memory.

    .venv/bin/python scripts/bench_typing.py --model build/tiny-model [--keystrokes 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from pathlib import Path

from editor_sim import REPO, close_editor, default_model, open_editor

DEFAULT_FILE = REPO / "server" / "qwen_lsp" / "backend" / "pipe.py"


def rss_mib(pid: int | None) -> float:
    """Resident memory of a process, from /proc (Linux)."""
    if pid is None:
        return 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def replay(model: str, path: Path, keystrokes: int, start_fraction: float) -> dict:
    text = path.read_text()
    start = text.index("\n", int(len(text) * start_fraction)) + 1
    typed = text[start : start + keystrokes]
    # The rest of the last typed line is not there yet: the cursor ends its line, as when typing.
    after = text[text.index("\n", start + keystrokes) :]
    editor = await open_editor(model, str(path.relative_to(REPO)), text[:start], after)
    round_trips = []
    for char in typed:
        editor.type(char)
        round_trips.append((await editor.complete()).round_trip_ms)
    stats = await editor.stats()
    memory = {
        "server_rss_mib": round(rss_mib(editor.server_pid), 1),
        "worker_rss_mib": round(rss_mib(stats["worker"]["pid"]), 1),
    }
    await close_editor(editor)
    return {
        "file": str(path.relative_to(REPO)),
        "keystrokes": len(typed),
        "kv_reuse": stats["kv_reuse"],
        "prompt_tokens": stats["prompt_tokens"],
        "reused_prompt_tokens": stats["reused_prompt_tokens"],
        "requests": stats["requests"],
        "model_calls": stats["model_calls"],
        "errors": stats["errors"],
        "cache_hits": stats["cache_hits"],
        "server_latency_ms": stats["latency_ms"],
        "server_overhead_ms": stats["server_overhead_ms"],
        "ttft_ms": stats["ttft_ms"],
        "client_round_trip_ms_p50": round(statistics.median(round_trips), 2),
        **memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model dir or repo id (default: test model)")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="a real source file")
    parser.add_argument("--keystrokes", type=int, default=200)
    parser.add_argument("--start", type=float, default=0.5, help="where typing starts (0..1)")
    args = parser.parse_args()
    result = asyncio.run(
        replay(args.model or default_model(), args.file.resolve(), args.keystrokes, args.start)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
