"""Load: thousands of keystrokes with cancellations, big files, many open documents.

Drives the real server over stdio with the real worker (the tiny test model by default), one
fresh server per case, and prints per case: server and worker resident memory after warm-up and
at the end, the KV cache against its limit, asyncio tasks and threads at the start and the end,
and the event loop's longest stall (from `qwen.stats`: wall time, the loop thread's CPU time,
and wall time less its wait for a core), apart for opening and for typing.

    .venv/bin/python scripts/bench_load.py                 # 10,000 keystrokes, all cases
    .venv/bin/python scripts/bench_load.py --keystrokes 1000 --big-keystrokes 50   # shorter
    .venv/bin/python scripts/bench_load.py --case docs10 --case big10mb
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from models import tiny_model_dir  # noqa: E402

from tests.protocol.load_traffic import (  # noqa: E402
    Typist,
    big_python,
    minified_js,
    quiet_stats,
    rss_kb,
    stats,
    stdlib_files,
    wait_until_ready,
)
from tests.protocol.raw_client import RawClient  # noqa: E402

CASES = ("docs10", "big10mb", "minified2mb", "open50")


def run_case(case: str, model: str, args: argparse.Namespace) -> dict:
    options = {"model": model, "completion": {"maxTokens": 8}, "worker": {"cacheMb": args.cache_mb}}
    client = RawClient(options)
    typist = Typist(client, enter_rate=0.0 if case == "minified2mb" else 0.08)
    try:
        start = wait_until_ready(client)
        worker_pid = start["worker"]["pid"]
        opened_at = time.perf_counter()
        if case == "docs10":
            for path in stdlib_files(10):
                typist.open(path.name, path.read_text(encoding="utf-8"))
        elif case == "open50":
            for path in stdlib_files(50):
                typist.open(path.name, path.read_text(encoding="utf-8"))
        elif case == "big10mb":
            typist.open("big_10mb.py", big_python(10_000_000))
        else:
            typist.open("bundle.min.js", minified_js(2_000_000), language="javascript")
        after_open = stats(client)  # answered once every didOpen before it was handled
        open_s = time.perf_counter() - opened_at
        keystrokes = args.keystrokes if case == "docs10" else args.big_keystrokes
        warm_up = min(args.warm_up, keystrokes // 5)
        if case == "open50":
            typist.documents[:] = typist.documents[:1]  # type in one, the other 49 stay open
        typist.type(warm_up, wait_every=args.wait_every)
        warm = stats(client)
        rss_warm = (rss_kb(client.proc.pid), rss_kb(worker_pid))
        typed_at = time.perf_counter()
        left = keystrokes - warm_up
        while left > 0:  # in blocks, with a progress line for long runs
            typist.type(min(1000, left), wait_every=args.wait_every)
            left -= min(1000, left)
            rss_now = (_mb(rss_kb(client.proc.pid)), _mb(rss_kb(worker_pid)))
            done, took = typist.report.keystrokes, time.perf_counter() - typed_at
            print(
                f"{case}: {done} keystrokes, RSS server/worker {rss_now} MB, {took:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        typing_s = time.perf_counter() - typed_at
        end = quiet_stats(client, after_open)
        rss_end = (rss_kb(client.proc.pid), rss_kb(worker_pid))
        settled = _settled_tasks(client, start["event_loop"]["tasks"])
        report = typist.report
        return {
            "case": case,
            "keystrokes": report.keystrokes,
            "requests": report.requests,
            "answered": report.results + report.cancelled + len(report.errors),
            "cancels_sent": report.cancels,
            "answered_cancelled": report.cancelled,
            "error_answers": len(report.errors),
            "suggestions": report.suggestions,
            "open_s": round(open_s, 2),
            "typing_s": round(typing_s, 2),
            "server_rss_mb": {
                "warm": _mb(rss_warm[0]),
                "end": _mb(rss_end[0]),
                "growth": _mb(rss_end[0] - rss_warm[0]),
            },
            "worker_rss_mb": {
                "warm": _mb(rss_warm[1]),
                "end": _mb(rss_end[1]),
                "growth": _mb(rss_end[1] - rss_warm[1]),
            },
            "kv_cache_mb": _mb(end["kv_cache_bytes"] // 1024),
            "kv_cache_limit_mb": _mb(end["kv_cache_limit_bytes"] // 1024),
            "warm_documents": end["warm_documents"],
            "tasks": _start_end(after_open, end, "tasks"),
            "tasks_ready_settled": {"ready": start["event_loop"]["tasks"], "settled": settled},
            "threads": _start_end(after_open, end, "threads"),
            "thread_groups": _start_end(after_open, end, "thread_groups"),
            "longest_stall_ms": _stalls(after_open, warm, end, ""),
            "longest_stall_cpu_ms": _stalls(after_open, warm, end, "_cpu"),
            "longest_stall_own_ms": _stalls(after_open, warm, end, "_own"),
            "stalls_over_50ms": end["event_loop"]["stalls_over_50ms"],
            "latency_ms": end["latency_ms"],
            "server_overhead_ms": end["server_overhead_ms"],
        }
    finally:
        client.close()


def _stalls(after_open: dict, warm: dict, end: dict, kind: str) -> dict[str, float]:
    """The longest loop iteration while opening and while typing (wall, CPU, or wall less
    the loop thread's wait for a core: `own`)."""
    key = f"longest_stall{kind}_since_last_stats_ms"
    if key not in end["event_loop"]:
        return {}  # a server from before the figure (PYTHONPATH=<older checkout>/server)
    typing = max(warm["event_loop"][key], end["event_loop"][key])
    return {"open": after_open["event_loop"][key], "typing": typing}


def _settled_tasks(client: RawClient, want: int, timeout: float = 20) -> int:
    """The loop's tasks once back to `want` (the count before any document was open): what is
    still running then was left behind; work winding down gets `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (tasks := stats(client)["event_loop"]["tasks"]) > want and time.monotonic() < deadline:
        time.sleep(0.2)
    return tasks


def _start_end(start: dict, end: dict, key: str) -> dict:
    return {"start": start["event_loop"][key], "end": end["event_loop"][key]}


def _mb(kb: int) -> float:
    return round(kb / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model dir (default: the tiny test model)")
    parser.add_argument("--case", action="append", choices=CASES, help="default: all")
    parser.add_argument("--keystrokes", type=int, default=10_000, help="docs10's keystrokes")
    parser.add_argument("--big-keystrokes", type=int, default=300, help="the other cases'")
    parser.add_argument("--warm-up", type=int, default=1000, help="keystrokes before RSS")
    parser.add_argument("--cache-mb", type=int, default=2048, help="worker.cacheMb")
    parser.add_argument(
        "--wait-every", type=int, default=25, help="every Nth keystroke waits for all answers"
    )
    args = parser.parse_args()
    model = args.model or str(tiny_model_dir())
    results = []
    for case in args.case or CASES:
        result = run_case(case, model, args)
        print(json.dumps(result), flush=True)
        results.append(result)
    unanswered = [r["case"] for r in results if r["answered"] != r["requests"]]
    return 1 if unanswered else 0


if __name__ == "__main__":
    sys.exit(main())
