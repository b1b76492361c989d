"""Latency as the user waits it, and the server's own share of it."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.stats import CompletionStats

pytestmark = pytest.mark.unit


def test_latency_runs_from_the_keystroke_the_request_is_for() -> None:
    stats = CompletionStats()
    stats.changed("a.py", 10.0)
    stats.changed("a.py", 10.2)  # typing on: the user waits from the last keystroke
    since = stats.waiting_since("a.py", asked_at=10.24)  # after the trip
    assert since == 10.2
    stats.record_latency(total_ms=60.0, model_ms=58.5, waited_ms=(10.3 - since) * 1000)
    # Asked again without a keystroke (a cursor move): from the request's arrival.
    assert stats.waiting_since("a.py", asked_at=12.0) == 12.0
    stats.record_latency(total_ms=50.0, model_ms=49.0, waited_ms=50.0)
    assert list(stats.latencies_ms) == pytest.approx([100.0, 50.0])
    assert list(stats.overhead_ms) == pytest.approx([1.5, 1.0])


def test_the_wait_before_the_model_is_felt_but_not_server_overhead() -> None:
    stats = CompletionStats()
    stats.record_latency(total_ms=70.0, model_ms=29.0, waited_ms=71.0, idle_ms=40.0)
    assert list(stats.latencies_ms) == pytest.approx([71.0])
    assert list(stats.overhead_ms) == pytest.approx([1.0])
