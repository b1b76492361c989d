"""How long the event loop went without looking at its input, and what lives on it.

The loop's selector is wrapped: the time from one `select()` returning to the next one being
called is one loop iteration, during which no message is read. It is measured in wall time
(what the user waits), in the loop thread's CPU time (what our code costs, whatever else the
machine is doing) and, on Linux, in wall time less the thread's wait for a core (what the server
itself held the loop for, the GIL and I/O included: on a busy machine wall time mostly measures
the other processes). Four clock reads and two reads of /proc schedstat (~5 µs) per iteration,
no timer: an idle server stays idle. Loops without a selector (Windows' proactor) go unmeasured.
"""

from __future__ import annotations

import asyncio
import os
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
    longest_own_ms: float = 0.0  # wall time less the wait for a core (run queue)
    recent_longest_own_ms: float = 0.0
    stalls: int = 0  # iterations over STALL_MS
    measured: bool = False

    def record(self, busy_s: float, cpu_s: float, queued_s: float = 0.0) -> None:
        busy_ms, cpu_ms, own_ms = busy_s * 1000, cpu_s * 1000, (busy_s - queued_s) * 1000
        if busy_ms > self.recent_longest_ms:
            self.recent_longest_ms = busy_ms
            self.longest_ms = max(self.longest_ms, busy_ms)
        if cpu_ms > self.recent_longest_cpu_ms:
            self.recent_longest_cpu_ms = cpu_ms
            self.longest_cpu_ms = max(self.longest_cpu_ms, cpu_ms)
        if own_ms > self.recent_longest_own_ms:
            self.recent_longest_own_ms = own_ms
            self.longest_own_ms = max(self.longest_own_ms, own_ms)
        if busy_ms > STALL_MS:
            self.stalls += 1

    def report(self) -> dict[str, Any]:
        """The figures for `qwen.stats`; the recent maxima start again from here."""
        recent, self.recent_longest_ms = self.recent_longest_ms, 0.0
        recent_cpu, self.recent_longest_cpu_ms = self.recent_longest_cpu_ms, 0.0
        recent_own, self.recent_longest_own_ms = self.recent_longest_own_ms, 0.0
        return {
            "measured": self.measured,
            "longest_stall_ms": round(self.longest_ms, 2),
            "longest_stall_since_last_stats_ms": round(recent, 2),
            "longest_stall_cpu_ms": round(self.longest_cpu_ms, 2),
            "longest_stall_cpu_since_last_stats_ms": round(recent_cpu, 2),
            # What the server itself held the loop for: its CPU, the GIL, locks, I/O (Linux:
            # less the time the loop thread was ready but the machine ran something else).
            "longest_stall_own_ms": round(self.longest_own_ms, 2),
            "longest_stall_own_since_last_stats_ms": round(recent_own, 2),
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
        self._woke_queued = 0
        self._schedstat = _open_schedstat()  # the loop thread's (this runs on it)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if self._woke is not None:
            busy, cpu = time.perf_counter() - self._woke, time.thread_time() - self._woke_cpu
            queued = (self._queued_ns() - self._woke_queued) / 1e9
            self._meter.record(busy, cpu, min(queued, busy))
            if self._trace is not None:
                self._trace.slept(busy, cpu)
        ready = self._inner.select(timeout)
        if self._trace is not None:
            self._trace.woke()
        self._woke, self._woke_cpu = time.perf_counter(), time.thread_time()
        self._woke_queued = self._queued_ns()
        return ready

    def _queued_ns(self) -> int:
        """Nanoseconds the loop thread has been runnable but waiting for a core, in all."""
        if self._schedstat is None:
            return 0
        try:
            return int(os.pread(self._schedstat, 64, 0).split()[1])
        except (OSError, ValueError, IndexError):
            return 0

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
        if self._trace is not None:
            self._trace.close()
        if self._schedstat is not None:
            os.close(self._schedstat)
            self._schedstat = None
        self._inner.close()


def _open_schedstat() -> int | None:
    """The calling thread's /proc schedstat (Linux: CPU ns, run-queue ns, slices), else None."""
    try:
        return os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return None


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
