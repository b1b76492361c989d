"""Adaptive debounce follows typing speed and never waits after a pause."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.debounce import AdaptiveDebounce

pytestmark = pytest.mark.unit


def _type(debounce: AdaptiveDebounce, interval_ms: float, keys: int, start: float = 0.0) -> float:
    delay = 0.0
    for i in range(keys):
        delay = debounce.observe("a.py", start + i * interval_ms)
    return delay


def test_first_request_waits_nothing() -> None:
    assert AdaptiveDebounce().observe("a.py", 0.0) == 0.0


def test_wait_follows_the_typing_rhythm() -> None:
    assert _type(AdaptiveDebounce(client_ms=40), 150, 20) == pytest.approx(110, abs=1)
    assert _type(AdaptiveDebounce(client_ms=40), 60, 20) == pytest.approx(20, abs=1)


def test_wait_is_capped_and_pauses_do_not_count() -> None:
    debounce = AdaptiveDebounce(client_ms=0, max_ms=250)
    assert _type(debounce, 1000, 10) == 250
    before = debounce.delay_ms("a.py")
    debounce.observe("a.py", 60_000)  # a long pause is not typing speed
    assert debounce.delay_ms("a.py") == before


def test_documents_are_independent() -> None:
    debounce = AdaptiveDebounce(client_ms=0)
    _type(debounce, 100, 10)
    assert debounce.delay_ms("b.py") == 0.0
