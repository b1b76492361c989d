"""Diagnostics only: where the event loop was during each long iteration, and why it took long.

Off unless `QWEN_LSP_STALL_TRACE` names a file. Then a daemon thread samples every thread's
stack (`sys._current_frames`) every ~2 ms while a loop iteration runs past 10 ms, and each
iteration of `QWEN_LSP_STALL_TRACE_MS` (default 40) or more appends one JSON line to the file:
its wall and loop-thread CPU time, the time the loop thread spent waiting for a core (the
kernel's run-queue delay, /proc schedstat; wall − CPU − that is time it slept: the GIL, a lock)
and the samples (the loop thread's stack; the other threads' innermost frames; how late the
sampler woke: a thread holding the GIL in a C call delays it), and the garbage collector's
full passes (they hold the GIL, on whichever thread they run).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from types import FrameType

TRACE_ENV = "QWEN_LSP_STALL_TRACE"
THRESHOLD_ENV = "QWEN_LSP_STALL_TRACE_MS"
EVERY_S = 0.002
SAMPLE_AFTER_S = 0.010


class StallTrace:
    """Told by the loop's timed selector when an iteration starts (`woke`) and ends (`slept`)."""

    def __init__(self, path: str, threshold_ms: float) -> None:
        self.path = Path(path)
        self.threshold_ms = threshold_ms
        self._loop_thread = threading.get_ident()
        self._tid = threading.get_native_id()
        self._iteration = 0
        self._woke: float | None = None
        self._sched = (0, 0)
        self._samples: list[dict] = []
        self._collections: list[dict] = []  # the garbage collector's passes meanwhile
        self._gc_began = 0.0
        gc.callbacks.append(self._on_gc)
        self._closed = False
        threading.Thread(target=self._sample_forever, daemon=True, name="stall-trace").start()

    def woke(self) -> None:
        self._iteration += 1
        self._samples, self._collections = [], []
        self._sched = _schedstat(self._tid)
        self._woke = time.perf_counter()

    def slept(self, busy_s: float, cpu_s: float) -> None:
        self._woke = None
        if busy_s * 1000 < self.threshold_ms:
            return
        on_cpu, queued = (b - a for a, b in zip(self._sched, _schedstat(self._tid), strict=True))
        record = {
            "time": time.time(),
            "wall_ms": round(busy_s * 1000, 2),
            "cpu_ms": round(cpu_s * 1000, 2),
            "sched_cpu_ms": round(on_cpu / 1e6, 2),
            "runqueue_ms": round(queued / 1e6, 2),  # runnable, waiting for a core
            "gc": self._collections,
            "samples": self._samples,
        }
        with self.path.open("a") as out:
            out.write(json.dumps(record) + "\n")

    def close(self) -> None:
        """The loop is closing: stop sampling (the thread ends) and watching the collector."""
        self._closed, self._woke = True, None
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        elif self._woke is not None and info["generation"] == 2:
            took_ms = round((time.perf_counter() - self._gc_began) * 1000, 1)
            thread = threading.current_thread().name
            self._collections.append({"ms": took_ms, "thread": thread})

    def _sample_forever(self) -> None:
        names: dict[int | None, str] = {}
        while not self._closed:
            asked = time.perf_counter()
            time.sleep(EVERY_S)
            now = time.perf_counter()
            woke, iteration = self._woke, self._iteration
            if woke is None or now - woke < SAMPLE_AFTER_S:
                continue
            frames = sys._current_frames()
            if len(names) != threading.active_count():
                names = {t.ident: t.name for t in threading.enumerate()}
            sample = {
                "at_ms": round((now - woke) * 1000, 1),
                "late_ms": round((now - asked - EVERY_S) * 1000, 1),
                "loop": _stack(frames.get(self._loop_thread)),
                "others": {
                    names.get(ident, str(ident)): _stack(frame, 3)
                    for ident, frame in frames.items()
                    if ident not in (self._loop_thread, threading.get_ident())
                },
            }
            if self._iteration == iteration and self._woke is woke and len(self._samples) < 1000:
                self._samples.append(sample)


def _stack(frame: FrameType | None, depth: int = 40) -> list[str]:
    """Innermost frame first: `file:line function`."""
    out: list[str] = []
    while frame is not None and len(out) < depth:
        code = frame.f_code
        out.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return out


def _schedstat(tid: int) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for one) of thread `tid`; zeros off Linux."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            on_cpu, queued, _ = f.read().split()
        return int(on_cpu), int(queued)
    except (OSError, ValueError):
        return 0, 0


def from_env() -> StallTrace | None:
    """A trace when the environment asks for one (call on the loop's thread)."""
    path = os.environ.get(TRACE_ENV)
    if not path:
        return None
    return StallTrace(path, float(os.environ.get(THRESHOLD_ENV, "40")))
