"""Preemptible prefill chunks sized by the measured prefill speed (worker/pace.py)."""

from __future__ import annotations

import pytest

from qwen_lsp.worker.pace import MAX_CHUNK, MIN_CHUNK, PrefillPace

pytestmark = pytest.mark.unit


def settle(pace: PrefillPace, overhead_s: float, per_token_s: float, chunks: int = 40) -> int:
    """Feed chunks of the size the pace asks for, timed as a model with that cost would take."""
    for _ in range(chunks):
        n = pace.chunk()
        pace.record(n, overhead_s + per_token_s * n)
    return pace.chunk()


def test_an_unmeasured_pace_starts_small() -> None:
    assert PrefillPace().chunk() == MIN_CHUNK


def test_a_chunk_takes_about_the_budget_where_prefill_is_slow() -> None:
    pace = PrefillPace(budget_s=0.012)
    n = settle(pace, overhead_s=0.002, per_token_s=0.0005)  # a small model on a CPU
    assert MIN_CHUNK < n < MAX_CHUNK
    assert 0.010 <= 0.002 + 0.0005 * n <= 0.013


def test_fast_prefill_keeps_the_largest_chunk_and_slow_the_smallest() -> None:
    assert settle(PrefillPace(), 0.0005, 0.00005) == MAX_CHUNK
    assert settle(PrefillPace(), 0.050, 0.01) == MIN_CHUNK


def test_big_chunks_do_not_teach_the_pace() -> None:
    pace = PrefillPace()
    pace.record(512, 0.05)  # a keystroke's own chunk: its per-call cost spread thin
    assert pace.per_token_s == 0 and pace.chunk() == MIN_CHUNK


def test_no_budget_keeps_the_fixed_largest_chunk() -> None:
    pace = PrefillPace(budget_s=0)  # worker.preemptChunkMs 0
    pace.record(8, 0.5)
    assert pace.chunk() == MAX_CHUNK
