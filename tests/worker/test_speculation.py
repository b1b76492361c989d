"""Prompt-lookup speculation and the per-document caches, in the worker's model host.

Greedy text must be the same with and without speculation, byte for byte, on the server's own
FIM prompts and action chats; the random-weight model here, the trained one in tests/model.
"""

from __future__ import annotations

import msgspec
import pytest
from speculation_cases import action_chats, fim_requests, forget_tail
from speculation_check import assert_same_answers

from qwen_lsp import messages as m
from qwen_lsp.worker.host import HostOptions, ModelHost

pytestmark = pytest.mark.worker


@pytest.fixture(scope="module")
def host(tiny_model) -> ModelHost:
    loaded = ModelHost(HostOptions(str(tiny_model), speculation="all"))
    loaded.load(lambda text, percent: None)
    return loaded


def test_speculation_changes_no_fim_answer(host: ModelHost):
    requests = fim_requests(40, seed=3)
    assert assert_same_answers(host, requests).drafted > 0  # drafts were made and verified


def test_speculation_changes_no_action_answer(host: ModelHost):
    chats = [c for kind in action_chats(seed=0, max_tokens=64).values() for c in kind[:4]]
    assert len(chats) >= 16
    assert_same_answers(host, chats)


def test_long_drafts_change_no_answer(host: ModelHost):
    host.options.draft_tokens = 16
    try:
        requests = fim_requests(12, seed=13)
        requests += [c for kind in action_chats(seed=1, max_tokens=64).values() for c in kind[:2]]
        assert assert_same_answers(host, requests).drafted > 0
    finally:
        host.options.draft_tokens = HostOptions("").draft_tokens


class CountingModel:
    """The host's model, counting its forward passes."""

    def __init__(self, model) -> None:
        self.model, self.passes = model, 0

    def __call__(self, *args, **kwargs):
        self.passes += 1
        return self.model(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.model, name)


def test_a_keystrokes_new_prompt_tokens_go_in_with_the_first_draft(host: ModelHost, monkeypatch):
    # After a keystroke the cache lacks the prompt's last few tokens: the first verifying pass
    # feeds them too, and the answers stay those of decoding without speculation.
    cases = fim_requests(8, seed=23) + action_chats(seed=3, max_tokens=32)["fix"][:3]
    requests = [msgspec.structs.replace(r, cache_key=f"k{i}") for i, r in enumerate(cases)]
    host.options.speculation = "off"
    expected = [host.generate(r, cancelled=lambda: False) for r in requests]
    host.options.speculation = "all"
    counting = CountingModel(host.model)
    monkeypatch.setattr(host, "model", counting)
    for request, plain in zip(requests, expected, strict=True):
        forget_tail(host, request, 5)
        counting.passes = 0
        done = host.generate(request, cancelled=lambda: False)
        assert (done.text, done.finish_reason) == (plain.text, plain.finish_reason)
        assert done.usage.prompt_tokens - done.usage.reused_tokens == 5
        assert counting.passes == host.last_speculation.forward_passes  # no pass of its own


def test_paused_speculative_generations_interleave_without_changing_answers(host: ModelHost):
    # A scheduler alternates generations between tokens: each keeps its own cache and the
    # pass it queued ahead (FIM steps with no draft run mlx-lm's way, one pass in flight).
    requests = [
        msgspec.structs.replace(fim_requests(1, seed=17, max_tokens=48)[0], cache_key="a"),
        msgspec.structs.replace(action_chats(seed=2, max_tokens=48)["fix"][0], cache_key="b"),
        msgspec.structs.replace(fim_requests(1, seed=19, max_tokens=48)[0], cache_key="c"),
    ]
    host.options.speculation = "off"
    expected = [host.generate(r, cancelled=lambda: False) for r in requests]
    host.options.speculation = "all"
    running = [
        host.steps(msgspec.structs.replace(r, cache_key=f"i{r.cache_key}"), lambda: False)
        for r in requests
    ]
    answers: dict[int, m.Done] = {}
    while len(answers) < len(running):
        for i, steps in enumerate(running):
            if i not in answers:
                try:
                    next(steps)
                except StopIteration as finished:
                    answers[i] = finished.value
    for i, done in enumerate(expected):
        assert (answers[i].text, answers[i].finish_reason) == (done.text, done.finish_reason)
    assert all(done.usage.generated_tokens > 3 for done in expected)


def drafted(host: ModelHost, requests: list) -> int:
    total = 0
    for request in requests:
        host.generate(request, lambda: False)
        total += host.last_speculation.drafted
    return total


def test_by_default_completions_speculate_and_actions_alone_leaves_them_out(tiny_model):
    fims = fim_requests(6, seed=4, max_tokens=16)
    refactor = action_chats(seed=0, max_tokens=32)["refactor"][:1]
    default = ModelHost(HostOptions(str(tiny_model)))
    default.load(lambda text, percent: None)
    assert drafted(default, fims) > 0 and drafted(default, refactor) > 0
    default.options.speculation = "actions"
    assert drafted(default, fims) == 0 and drafted(default, refactor) > 0


def test_speculation_keeps_stop_strings_and_cancellation(host: ModelHost):
    request = fim_requests(1, seed=5, max_tokens=64)[0]
    free = host.generate(request, cancelled=lambda: False)
    assert len(free.text) > 3
    stop = free.text[2:4]
    stopped = host.generate(msgspec.structs.replace(request, stop=[stop]), lambda: False)
    assert stopped.finish_reason == "stop" and stopped.text == free.text[: free.text.find(stop)]
    cancelled = host.generate(request, cancelled=lambda: True)
    assert cancelled.finish_reason == "cancelled" and cancelled.usage.generated_tokens <= 9


def test_one_cache_per_document_after_many_keystrokes(host: ModelHost):
    base = fim_requests(1, seed=7, max_tokens=8)[0]
    before = len(host.caches)
    reused = prompt = 0
    for typed in range(1, 25):  # each keystroke adds a character at the cursor
        request = msgspec.structs.replace(
            base, prompt=base.prompt + "x" * typed, cache_key="typing.py"
        )
        usage = host.generate(request, cancelled=lambda: False).usage
        if typed > 1:
            reused, prompt = reused + usage.reused_tokens, prompt + usage.prompt_tokens
    assert len(host.caches) == before + 1
    assert usage.warm_caches == len(host.caches)
    assert reused / prompt >= 0.95


def test_cache_memory_stays_within_the_budget(tiny_model):
    small = ModelHost(HostOptions(str(tiny_model), cache_bytes=2 << 20))
    small.load(lambda text, percent: None)
    for i, request in enumerate(fim_requests(12, seed=11, max_tokens=4)):
        small.generate(msgspec.structs.replace(request, cache_key=f"doc{i}"), lambda: False)
        held = sum(c.nbytes for e in small.caches._entries.values() for c in e.cache)
        assert held <= 2 << 20
    assert 1 <= len(small.caches) < 12  # the least recently used went
