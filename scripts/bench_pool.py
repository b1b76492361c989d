"""Pool typing-replay runs of the same trace and code (`scripts/bench_typing.py --json`): each
system's felt p50 / p95 over every pause of every run, and its ratio to a reference system with
a bootstrap 95% interval.

One run's 35 pauses leave a median ratio uncertain by about ±0.3 on these noisy machines;
pooling runs narrows it. Usage:

    .venv/bin/python scripts/bench_pool.py --model content R1.json R2.json R3.json
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from typing_bench.user import WAIT_CAP_S

from qwen_lsp.engine.stats import percentile  # the replay's own percentile

DRAWS = 4000
LLAMA_VIM = "llama.vim → llama-server"


def felt(row: dict) -> list[float]:
    """A row's felt latencies, an unanswered pause counted at the wait cap (as the replay does)."""
    return [*row["felt_ms_answered"], *[WAIT_CAP_S * 1000] * row.get("unanswered_pauses", 0)]


def pooled(runs: Sequence[dict], model: str) -> dict[str, list[float]]:
    """Every system's felt latencies over `runs` (those that measured `model`), run after run."""
    out: dict[str, list[float]] = {}
    for run in runs:
        for row in run.get(model, {}).get("rows", []):
            out.setdefault(row["system"], []).extend(felt(row))
    return out


def ratio_interval(
    values: list[float],
    reference: list[float],
    fraction: float,
    draws: int = DRAWS,
    seed: int = 1,
) -> tuple[float, float, float]:
    """The ratio of the `fraction` percentiles and a bootstrap 95% interval for it (each list
    resampled on its own: runs need not answer the same pauses)."""
    stat: Callable[[list[float]], float] = lambda xs: percentile(xs, fraction)  # noqa: E731
    rng = random.Random(seed)
    ratios = sorted(
        stat(rng.choices(values, k=len(values))) / stat(rng.choices(reference, k=len(reference)))
        for _ in range(draws)
    )
    return stat(values) / stat(reference), ratios[int(0.025 * draws)], ratios[int(0.975 * draws)]


def table(systems: dict[str, list[float]], against: str) -> str:
    reference = systems[against]
    lines = [
        f"| system | pauses | felt p50 / p95 ms | p50 ratio to {against} (95% interval) "
        "| p95 ratio (95% interval) |",
        "|---|---|---|---|---|",
    ]
    for name, values in systems.items():
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        cells = [name, str(len(values)), f"{p50:.0f} / {p95:.0f}"]
        for fraction in (0.5, 0.95):
            ratio, low, high = ratio_interval(values, reference, fraction)
            cells.append(f"{ratio:.2f}x ({low:.2f}–{high:.2f})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench_typing.py --json outputs")
    parser.add_argument("--model", choices=["content", "cost"], default="content")
    parser.add_argument("--against", default=LLAMA_VIM, help="the reference system's name")
    args = parser.parse_args()
    systems = pooled([json.loads(path.read_text()) for path in args.runs], args.model)
    if args.against not in systems:
        parser.error(f"no {args.against!r} in these runs: {', '.join(systems)}")
    print(table(systems, args.against))


if __name__ == "__main__":
    main()
