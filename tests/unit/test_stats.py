"""Latency as the user waits it, and the server's own share of it."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.stats import AnsweredRequest, CompletionStats

pytestmark = pytest.mark.unit


def test_latency_runs_from_the_keystroke_the_request_is_for() -> None:
    stats = CompletionStats()
    stats.changed("a.py", 10.0)
    stats.changed("a.py", 10.2)  # typing on: the user waits from the last keystroke
    since = stats.waiting_since("a.py", asked_at=10.24)  # after the trip
    assert since == 10.2
    stats.record_latency(
        AnsweredRequest(
            total_ms=60.0, model_ms=58.5, item_id="a+0", waited_ms=(10.3 - since) * 1000
        )
    )
    # Asked again without a keystroke (a cursor move): from the request's arrival.
    assert stats.waiting_since("a.py", asked_at=12.0) == 12.0
    stats.record_latency(
        AnsweredRequest(total_ms=50.0, model_ms=49.0, item_id="b+0", waited_ms=50.0)
    )
    assert list(stats.latencies_ms) == pytest.approx([100.0, 50.0])
    assert list(stats.overhead_ms) == pytest.approx([1.5, 1.0])


def test_the_wait_before_the_model_is_felt_but_not_server_overhead() -> None:
    stats = CompletionStats()
    stats.record_latency(
        AnsweredRequest(total_ms=70.0, model_ms=29.0, item_id="c+0", waited_ms=71.0, idle_ms=40.0)
    )
    assert list(stats.latencies_ms) == pytest.approx([71.0])
    assert list(stats.overhead_ms) == pytest.approx([1.0])


def test_pygls_reading_and_writing_are_felt_but_not_server_overhead() -> None:
    stats = CompletionStats()
    stats.record_latency(
        AnsweredRequest(
            total_ms=45.0, model_ms=38.0, item_id="d+0", waited_ms=48.0, transport_ms=5.0
        )
    )
    assert list(stats.latencies_ms) == pytest.approx([48.0])
    assert list(stats.overhead_ms) == pytest.approx([2.0])


def test_latency_is_the_wait_for_ghost_text_and_an_empty_answer_only_overhead() -> None:
    stats = CompletionStats()
    stats.record_latency(
        AnsweredRequest(total_ms=30.0, model_ms=28.0, item_id=None, waited_ms=31.0)
    )
    stats.record_latency(
        AnsweredRequest(total_ms=45.0, model_ms=44.0, item_id="e+0", waited_ms=46.0)
    )
    assert list(stats.latencies_ms) == pytest.approx([46.0])  # what a user saw come
    assert list(stats.overhead_ms) == pytest.approx([2.0, 1.0])  # the server's work on both


def test_a_clients_felt_latency_sits_beside_the_servers_for_the_same_answers() -> None:
    stats = CompletionStats()
    stats.record_latency(
        AnsweredRequest(total_ms=40.0, model_ms=38.0, item_id="a+0", waited_ms=41.0)
    )
    stats.record_latency(
        AnsweredRequest(total_ms=20.0, model_ms=19.0, item_id="b+0", waited_ms=22.0)
    )
    stats.record_latency(AnsweredRequest(total_ms=9.0, model_ms=8.0, item_id=None, waited_ms=9.0))
    assert stats.record_felt("a+0", 43.5)
    assert not stats.record_felt("a+0", 50.0)  # once an answer
    assert not stats.record_felt("c+0", 11.0)  # nothing was shown: the server counted none
    assert not stats.record_felt("unknown+0", 5.0)
    felt = stats.snapshot()["felt_latency_ms"]
    assert felt["answers"] == 1
    assert (felt["client"]["p50"], felt["server"]["p50"]) == (43.5, 41.0)


def test_an_early_answer_counts_the_work_before_it_and_the_rest_apart() -> None:
    stats = CompletionStats()
    stats.record_early_answer(7, prompt=100, reused=90, generated=3, ttft_ms=20.0)
    assert (stats.early_answers, stats.generated_tokens, stats.prompt_tokens) == (1, 3, 100)
    assert stats.record_continuation(7, generated=10, cancelled=False)
    assert stats.generated_tokens == 3  # what the user waited for
    assert (stats.background.continuations, stats.background.continued_tokens) == (1, 7)
    assert not stats.record_continuation(7, generated=10, cancelled=False)  # once
    assert not stats.record_continuation(8, generated=5, cancelled=False)  # not answered early


def test_a_stopped_continuation_counts_as_superseded_work() -> None:
    stats = CompletionStats()
    stats.record_early_answer(1, prompt=10, reused=0, generated=2, ttft_ms=5.0)
    assert stats.record_continuation(1, generated=6, cancelled=True)
    assert stats.cancelled_generated_tokens == 4 and stats.cancelled == 0


def test_a_remote_early_answer_counts_its_prompt_when_the_server_tells_it() -> None:
    stats = CompletionStats()
    stats.record_early_answer(3, prompt=0, reused=0, generated=2, ttft_ms=0.0)  # SSE: no usage
    assert stats.record_continuation(3, generated=9, cancelled=False, prompt=500, reused=450)
    assert (stats.prompt_tokens, stats.reused_prompt_tokens, stats.generated_tokens) == (
        500,
        450,
        2,
    )
