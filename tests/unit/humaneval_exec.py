"""Running HumanEval programs: a few small worker processes, one fork per task.

Kept free of heavy imports: the workers are spawned fresh and import only this module, so each
fork per task copies a small process (forking the test process itself costs far more).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

TASK_TIMEOUT_S = 10


def _run_forked(source: str) -> bool:
    """Exec in a forked child with an alarm: no interpreter start per task, no shared state."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        signal.alarm(TASK_TIMEOUT_S)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            exec(compile(source, "<task>", "exec"), {"__name__": "__main__"})
        except BaseException:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _run_batch(sources: list[str]) -> list[bool]:
    sys.setrecursionlimit(10_000)
    return [_run_forked(source) for source in sources]


def run_programs(sources: list[str], workers: int | None = None) -> list[bool]:
    """Run each program; True where it exited cleanly. Batches interleave slow and fast tasks."""
    workers = workers or max(2, min(8, os.cpu_count() or 2))
    step = workers * 4
    batches = [sources[i::step] for i in range(step)]
    results: list[bool] = [False] * len(sources)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for start, outcome in enumerate(pool.map(_run_batch, batches)):
            for j, passed in enumerate(outcome):
                results[start + j * step] = passed
    return results
