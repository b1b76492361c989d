"""HumanEval-Infilling pass rates of the completion pipeline's post-processing.

Feeds every task of both files through the pipeline with a model stand-in (true middle plus
realistic over-generation), inserts the result and runs each task's tests. Prints one line per
file: passed/total, rate, and the time spent in the pipeline and in the tests.

    .venv/bin/python scripts/bench_postprocess.py [--workers N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))

import humaneval_harness as he


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=None, help="test processes (default: CPUs)")
    args = parser.parse_args()
    if he.data_dir() is None:
        print("no shared/data/humaneval-infilling beside the repository", file=sys.stderr)
        return 2
    for name in he.FILES:
        tasks = he.load(name)
        started = time.perf_counter()
        sources = [
            he.program(task, he.complete(task, he.stand_in(task, i)) or "")
            for i, task in enumerate(tasks)
        ]
        pipeline_s = time.perf_counter() - started
        results = he.run_programs(sources, workers=args.workers)
        tests_s = time.perf_counter() - started - pipeline_s
        passed = sum(results)
        print(
            f"{name}: {passed}/{len(tasks)} passed = {passed / len(tasks):.2%} "
            f"(pipeline {pipeline_s:.1f} s, {1000 * pipeline_s / len(tasks):.2f} ms/task; "
            f"tests {tests_s:.1f} s)"
        )
        failed = [t["task_id"] for t, ok in zip(tasks, results, strict=True) if not ok]
        if failed:
            print("  failed:", " ".join(failed[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
