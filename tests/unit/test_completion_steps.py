"""Steps of the inline completion handler, each alone, over plain objects (no server, no
model): the request read, and an answer from the typing cache with its latency."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from qwen_lsp.engine.acceptance import AcceptanceLog
from qwen_lsp.engine.completion import CompletionRequest
from qwen_lsp.engine.stats import CompletionStats
from qwen_lsp.engine.typing_cache import TypingCache, near
from qwen_lsp.lsp.completion import read_request, typed_through
from qwen_lsp.settings import Settings

pytestmark = pytest.mark.unit

URI = "file:///w/a.py"
BEFORE = "def double(x):\n    "


def server() -> SimpleNamespace:
    """What the steps read of the server; no protocol request: answers count as written now."""
    return SimpleNamespace(
        stats=CompletionStats(),
        settings=Settings(),
        typing_cache=TypingCache(),
        acceptance=AcceptanceLog(),
        protocol=SimpleNamespace(msg_id=None),
    )


def at_end(text: str) -> CompletionRequest:
    return CompletionRequest(URI, 2, "a.py", "python", text, len(text))


def test_typing_through_a_suggestion_answers_its_rest_timed_from_the_keystroke():
    ls = server()
    key = ls.acceptance.suggest("python", "return x * 2")
    ls.typing_cache.remember_near(URI, *near(at_end(BEFORE)), "return x * 2", key)
    keystroke = time.perf_counter() - 0.05  # the keystroke was read 50 ms ago
    ls.stats.changed(URI, keystroke)
    asked = read_request(ls, URI)  # type: ignore[arg-type]
    assert asked.since == keystroke and ls.stats.requests == 1
    shown = typed_through(ls, None, at_end(BEFORE + "re"), asked)  # type: ignore[arg-type]
    assert shown is not None and shown.text == "turn x * 2"
    assert ls.stats.cache_hits == 1
    (latency,) = ls.stats.latencies_ms
    assert latency >= 50.0  # from the keystroke, not from the request
    assert ls.stats.overhead_ms[0] < latency  # the wait before the request is not overhead


def test_a_suggestion_typed_to_its_end_leaves_the_request_to_the_model():
    ls = server()
    key = ls.acceptance.suggest("python", "return x")
    ls.typing_cache.remember_near(URI, *near(at_end(BEFORE)), "return x", key)
    asked = read_request(ls, URI)  # type: ignore[arg-type]
    done = typed_through(ls, None, at_end(BEFORE + "return x"), asked)  # type: ignore[arg-type]
    assert done is None and ls.stats.cache_hits == 0 and not ls.stats.latencies_ms
