"""Diagnostics only: where a long-running server's or worker's memory goes.

Off unless `QWEN_LSP_TRACEMALLOC` names a file prefix. Then `tracemalloc` runs (10 frames; from
after the imports, which it would slow 50x) and
a daemon thread writes, every `QWEN_LSP_TRACEMALLOC_EVERY` seconds (default 60),
`<prefix>.<role>.<pid>.<n>.snap` (a tracemalloc snapshot: compare two with `Snapshot.load` and
`compare_to(..., "traceback")`) and `<prefix>.<role>.<pid>.<n>.json` (RSS, Python's traced bytes,
glibc's heap in use and free, gc object counts by type). Python's heap flat while RSS grows is
the allocator's, not a leak. It slows the process ~2x.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

TRACE_ENV = "QWEN_LSP_TRACEMALLOC"
EVERY_ENV = "QWEN_LSP_TRACEMALLOC_EVERY"


_MALLINFO2_FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"


class _MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2: every field a size_t
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2_FIELDS.split()]


def start_from_env(role: str) -> None:
    """Start tracing and the dumping thread when the environment asks for it."""
    prefix = os.environ.get(TRACE_ENV)
    if not prefix:
        return
    tracemalloc.start(10)
    every = float(os.environ.get(EVERY_ENV, "60"))
    threading.Thread(
        target=_dump_forever,
        args=(f"{prefix}.{role}.{os.getpid()}", every),
        daemon=True,
        name="memory-trace",
    ).start()


def _dump_forever(prefix: str, every: float) -> None:
    n = 0
    while True:
        time.sleep(every)
        n += 1
        tracemalloc.take_snapshot().dump(f"{prefix}.{n:03d}.snap")
        Path(f"{prefix}.{n:03d}.json").write_text(json.dumps(sample()))


def sample() -> dict:
    """RSS, Python's traced memory, glibc's heap (in use / free) and gc objects by type."""
    counts = Counter(type(o).__qualname__ for o in gc.get_objects())
    heap: dict[str, int] = {}
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
        mallinfo2.restype = _MallInfo2
        info = mallinfo2()
        heap = {"in_use": info.uordblks, "free": info.fordblks, "mmapped": info.hblkhd}
    except (AttributeError, OSError):  # not glibc
        pass
    return {
        "time": time.time(),
        "rss_kb": _rss_kb(),
        "traced": tracemalloc.get_traced_memory()[0],
        "tracemalloc_own": tracemalloc.get_tracemalloc_memory(),  # in RSS, not in `traced`
        "heap": heap,
        "threads": threading.active_count(),
        "gc": dict(counts.most_common(60)),
    }


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
