"""Speculation on the trained test model: greedy text stays byte-identical to decoding
without it, and drafts taken from the prompt are accepted (most of them, for actions)."""

from __future__ import annotations

import pytest
from models import trained_model_dir
from speculation_cases import action_chats, fim_copy_requests, fim_requests
from speculation_check import assert_same_answers

from qwen_lsp.worker.host import HostOptions, ModelHost

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def host() -> ModelHost:
    loaded = ModelHost(HostOptions(str(trained_model_dir()), speculation="all"))
    loaded.load(lambda text, percent: None)
    return loaded


def test_fim_answers_are_unchanged_and_drafts_accepted(host: ModelHost):
    totals = assert_same_answers(host, fim_requests(40, seed=2))
    assert totals.accepted > 0  # the model copies its context: some drafts are right


def test_action_answers_are_unchanged(host: ModelHost):
    chats = [c for kind in action_chats(seed=0, max_tokens=192).values() for c in kind[:3]]
    assert len(chats) >= 12
    totals = assert_same_answers(host, chats)
    # Drafts copy the tool-call syntax and the lines being edited: most are right (1-token
    # matches from the prompt alone got 5-10% here).
    assert totals.drafted > 0 and totals.acceptance >= 0.5


def test_long_drafts_change_no_answer(host: ModelHost):
    # Drafts of up to 16 tokens run past what the model writes (a copied line, the call syntax).
    host.options.draft_tokens = 16
    try:
        requests = fim_requests(12, seed=3) + fim_copy_requests()[:8]
        requests += [c for kind in action_chats(seed=1, max_tokens=128).values() for c in kind[:2]]
        totals = assert_same_answers(host, requests)
        assert totals.drafted > totals.accepted > 0
    finally:
        host.options.draft_tokens = HostOptions("").draft_tokens


def test_fim_drafts_end_the_line_where_the_suffix_starts_one(host: ModelHost, monkeypatch):
    # Holes at a line's end whose text is elsewhere in the file: the copy goes on past the line
    # (`):\n`), the answer ends with it (`):`, then the stop). Drafts that end there too take
    # fewer passes and change no answer.
    requests = fim_copy_requests()
    ending = assert_same_answers(host, requests)
    monkeypatch.setattr(host, "_ends", lambda suffix: None)
    copying = assert_same_answers(host, requests)
    assert ending.forward_passes < copying.forward_passes
    assert ending.accepted > copying.accepted
