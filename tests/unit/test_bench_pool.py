"""Pooling typing-replay runs: every pause of every run, ratios with a bootstrap interval."""

from __future__ import annotations

import pytest
from bench_pool import pooled, ratio_interval, table
from typing_bench.user import WAIT_CAP_S

pytestmark = pytest.mark.unit


def run(rows: dict[str, list[float]], unanswered: int = 0) -> dict:
    return {
        "content": {
            "rows": [
                {"system": name, "felt_ms_answered": felt, "unanswered_pauses": unanswered}
                for name, felt in rows.items()
            ]
        }
    }


def test_runs_pool_each_systems_pauses_and_count_the_unanswered_at_the_cap() -> None:
    first = run({"qwen-lsp": [10.0, 20.0], "peer": [30.0]})
    second = run({"qwen-lsp": [40.0], "peer": [50.0]}, unanswered=1)
    systems = pooled([first, second, {"cost": {"rows": []}}], "content")
    assert systems == {
        "qwen-lsp": [10.0, 20.0, 40.0, WAIT_CAP_S * 1000],
        "peer": [30.0, 50.0, WAIT_CAP_S * 1000],
    }
    assert pooled([first], "cost") == {}


def test_the_ratio_is_the_percentiles_and_its_interval_holds_it() -> None:
    reference = [float(x) for x in range(20, 80)]
    half = [x / 2 for x in reference]
    ratio, low, high = ratio_interval(half, reference, 0.5)
    assert ratio == pytest.approx(0.5) and low < 0.5 < high and high - low < 0.5
    assert ratio_interval([7.0] * 5, [14.0] * 9, 0.95) == (0.5, 0.5, 0.5)  # nothing to vary
    # more pauses, a narrower interval
    _, narrow_low, narrow_high = ratio_interval(half * 4, reference * 4, 0.5)
    assert narrow_high - narrow_low < high - low


def test_the_table_has_a_row_per_system_against_the_reference() -> None:
    text = table({"qwen-lsp": [10.0, 12.0], "peer": [20.0, 24.0]}, "peer")
    rows = text.splitlines()[2:]
    assert [row.split(" | ")[0] for row in rows] == ["| qwen-lsp", "| peer"]
    assert "0.50x (0.42–0.60)" in rows[0] and "1.00x" in rows[1]
