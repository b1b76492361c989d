"""The event loop's stall meter: a blocking callback is seen, an idle loop is not a stall."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from qwen_lsp import loop_health
from qwen_lsp.loop_health import StallMeter, watch

pytestmark = pytest.mark.unit


def test_a_callback_that_blocks_the_loop_is_the_longest_stall() -> None:
    meter = StallMeter()

    async def main() -> dict:
        watch(asyncio.get_running_loop(), meter)
        await asyncio.sleep(0.2)  # idle: waiting in select() is no stall
        time.sleep(0.12)  # blocks the loop
        x = 0
        started = time.thread_time()
        while time.thread_time() - started < 0.06:  # 60 ms of CPU on the loop
            x += 1
        await asyncio.sleep(0)
        return meter.report()

    report = asyncio.run(main())
    assert report["measured"] is True
    assert report["longest_stall_ms"] >= 180
    assert 55 <= report["longest_stall_cpu_ms"] < report["longest_stall_ms"]
    # A sleep is no wait for a core: the loop was held by this process (less only what the
    # 60 ms of CPU waited for a core on a busy machine).
    assert 120 <= report["longest_stall_own_ms"] <= report["longest_stall_ms"]
    assert report["stalls_over_50ms"] == 1
    assert report["tasks"] == 1  # main() itself
    assert report["threads"] == threading.active_count()
    # The recent maximum starts again after each report; the longest stays.
    again = meter.report()
    assert again["longest_stall_since_last_stats_ms"] < 50  # only asyncio.run winding down
    assert again["longest_stall_ms"] == report["longest_stall_ms"]


def test_watching_twice_wraps_the_selector_once() -> None:
    meter = StallMeter()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        watch(loop, meter)
        first = loop._selector  # type: ignore[attr-defined]
        watch(loop, meter)
        assert loop._selector is first  # type: ignore[attr-defined]

    asyncio.run(main())


def test_thread_groups_count_a_pools_threads_under_one_name() -> None:
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="qwen-test-pool") as pool:
        for _ in range(3):
            pool.submit(release.wait)
        groups = loop_health.thread_groups()
        release.set()
    assert groups["qwen-test-pool"] == 3
    assert groups["MainThread"] == 1
    assert "qwen-test-pool_0" not in groups


def test_the_stall_trace_says_where_the_loop_was_during_a_stall(tmp_path, monkeypatch) -> None:
    trace = tmp_path / "stalls.jsonl"
    monkeypatch.setenv("QWEN_LSP_STALL_TRACE", str(trace))
    monkeypatch.setenv("QWEN_LSP_STALL_TRACE_MS", "40")

    def holds_the_loop() -> None:
        time.sleep(0.1)

    async def main() -> None:
        watch(asyncio.get_running_loop(), StallMeter())
        await asyncio.sleep(0.05)  # idle: not recorded
        holds_the_loop()
        await asyncio.sleep(0)

    asyncio.run(main())
    assert "stall-trace" not in loop_health.thread_groups() or _ended("stall-trace")
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert len(records) == 1, records
    stall = records[0]
    assert stall["wall_ms"] >= 100 and stall["cpu_ms"] < stall["wall_ms"]
    assert stall["samples"], stall
    assert all("holds_the_loop" in sample["loop"][0] for sample in stall["samples"])


def _ended(name: str, timeout: float = 1.0) -> bool:
    """Whether the thread `name` ends within `timeout` (the loop closed: the trace stops)."""
    deadline = time.monotonic() + timeout
    while name in loop_health.thread_groups():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
