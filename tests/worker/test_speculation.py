"""Prompt-lookup speculation and the per-document caches, in the worker's model host.

Greedy text must be the same with and without speculation, byte for byte, on the server's own
FIM prompts and action chats; the random-weight model here, the trained one in tests/model.
"""

from __future__ import annotations

import msgspec
import pytest
from speculation_cases import action_chats, fim_requests
from speculation_check import assert_same_answers

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


def test_by_default_actions_speculate_and_completions_do_not(tiny_model):
    default = ModelHost(HostOptions(str(tiny_model)))
    default.load(lambda text, percent: None)
    default.generate(fim_requests(1, seed=4, max_tokens=16)[0], lambda: False)
    assert default.last_speculation.drafted == 0
    default.generate(action_chats(seed=0, max_tokens=32)["refactor"][0], lambda: False)
    assert default.last_speculation.drafted > 0


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
