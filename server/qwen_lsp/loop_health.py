"""How long the event loop went without looking at its input, and what lives on it.

The loop's selector is wrapped: the time from one `select()` returning to the next one being
called is one loop iteration, during which no message is read. It is measured in wall time
(what the user waits) and in the loop thread's CPU time (what our code costs, whatever else the
machine is doing). Four clock reads per iteration, no timer: an idle server stays idle. Loops
without a selector (Windows' proactor) go unmeasured.
"""

from __future__ import annotations

import asyncio
import re
import selectors
import threading
import time
from dataclasses import dataclass
from typing import Any

from .stall_trace import StallTrace
from .stall_trace import from_env as trace_from_env

STALL_MS = 50.0  # an iteration longer than this is a stall a typist can notice


@dataclass
class StallMeter:
    longest_ms: float = 0.0
    recent_longest_ms: float = 0.0  # since the last report
    longest_cpu_ms: float = 0.0
    recent_longest_cpu_ms: float = 0.0
    stalls: int = 0  # iterations over STALL_MS
    measured: bool = False

    def record(self, busy_s: float, cpu_s: float) -> None:
        busy_ms, cpu_ms = busy_s * 1000, cpu_s * 1000
        if busy_ms > self.recent_longest_ms:
            self.recent_longest_ms = busy_ms
            self.longest_ms = max(self.longest_ms, busy_ms)
        if cpu_ms > self.recent_longest_cpu_ms:
            self.recent_longest_cpu_ms = cpu_ms
            self.longest_cpu_ms = max(self.longest_cpu_ms, cpu_ms)
        if busy_ms > STALL_MS:
            self.stalls += 1

    def report(self) -> dict[str, Any]:
        """The figures for `qwen.stats`; the recent maximum starts again from here."""
        recent, self.recent_longest_ms = self.recent_longest_ms, 0.0
        recent_cpu, self.recent_longest_cpu_ms = self.recent_longest_cpu_ms, 0.0
        return {
            "measured": self.measured,
            "longest_stall_ms": round(self.longest_ms, 2),
            "longest_stall_since_last_stats_ms": round(recent, 2),
            "longest_stall_cpu_ms": round(self.longest_cpu_ms, 2),
            "longest_stall_cpu_since_last_stats_ms": round(recent_cpu, 2),
            "stalls_over_50ms": self.stalls,
            "tasks": _live_tasks(),
            "threads": threading.active_count(),
            "thread_groups": thread_groups(),
        }


def thread_groups() -> dict[str, int]:
    """Live threads by name with the pool index cut ("ThreadPoolExecutor-0_3" counts as
    "ThreadPoolExecutor-0"), so a leak shows which pool or thread it is."""
    groups: dict[str, int] = {}
    for thread in threading.enumerate():
        name = re.sub(r"_\d+$", "", thread.name)
        groups[name] = groups.get(name, 0) + 1
    return dict(sorted(groups.items()))


class _TimedSelector(selectors.BaseSelector):
    """Delegates to the loop's own selector, timing the work between two `select` calls."""

    def __init__(
        self, inner: selectors.BaseSelector, meter: StallMeter, trace: StallTrace | None
    ) -> None:
        self._inner = inner
        self._meter = meter
        self._trace = trace  # diagnostics (stall_trace.py), off unless asked for
        self._woke: float | None = None
        self._woke_cpu = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if self._woke is not None:
            busy, cpu = time.perf_counter() - self._woke, time.thread_time() - self._woke_cpu
            self._meter.record(busy, cpu)
            if self._trace is not None:
                self._trace.slept(busy, cpu)
        ready = self._inner.select(timeout)
        if self._trace is not None:
            self._trace.woke()
        self._woke, self._woke_cpu = time.perf_counter(), time.thread_time()
        return ready

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Any:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()


def watch(loop: asyncio.AbstractEventLoop, meter: StallMeter) -> None:
    """Measure `loop`'s iterations into `meter` from now on (once per loop)."""
    inner = getattr(loop, "_selector", None)  # asyncio's selector loops keep it here
    if isinstance(inner, _TimedSelector) or not isinstance(inner, selectors.BaseSelector):
        return
    loop._selector = _TimedSelector(inner, meter, trace_from_env())  # type: ignore[attr-defined]
    meter.measured = True


def _live_tasks() -> int:
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # no running loop (a test calling the command directly)
        return 0
