"""Typing-through and exact reuse; the replay figure (≥ 50% of keystrokes from the cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_lsp.engine.completion import CompletionRequest
from qwen_lsp.engine.typing_cache import TypingCache, near

try:  # tests/unit may or may not be a package
    from . import typing_replay
except ImportError:
    import typing_replay  # type: ignore[no-redef]

pytestmark = pytest.mark.unit

REAL_FILE = Path(__file__).resolve().parents[2] / "server" / "qwen_lsp" / "engine" / "fim.py"


def test_typing_through_answers_the_rest() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "compute(1, 2)")
    assert cache.lookup("a.py", "x = c", "\n") == "ompute(1, 2)"
    assert cache.lookup("a.py", "x = compute(1", "\n") == ", 2)"


def test_a_different_character_is_a_miss() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "compute(1, 2)")
    assert cache.lookup("a.py", "x = d", "\n") is None
    assert cache.lookup("b.py", "x = c", "\n") is None  # another document


def test_typing_it_all_or_changing_the_text_after_is_a_miss() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "f()")
    assert cache.lookup("a.py", "x = f()", "\n") is None
    assert cache.lookup("a.py", "x = f", ")\n") is None  # auto-closed paren changed the suffix


def test_edits_above_the_cursor_invalidate() -> None:
    cache = TypingCache()
    cache.remember("a.py", "import os\nx = ", "\n", "os.getcwd()")
    assert cache.lookup("a.py", "import sys\nx = o", "\n") is None


def test_exact_reuse_after_undo() -> None:
    cache = TypingCache()
    cache.remember("a.py", "def f():\n    ", "\n", "return 1")
    assert cache.lookup("a.py", "def f():\n    ", "\n") == "return 1"


def test_back_scan_finds_an_older_suggestion() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "compute(1, 2)")
    cache.remember("a.py", "y = ", "\nx = 1", "other()")  # another place in the file
    assert cache.lookup("a.py", "x = comp", "\n") == "ute(1, 2)"


def test_whitespace_rest_is_not_an_answer() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "1  ")
    assert cache.lookup("a.py", "x = 1", "\n") is None


def test_forget_drops_a_document() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "1")
    cache.forget("a.py")
    assert cache.lookup("a.py", "x = ", "\n") is None


def test_replay_answers_most_keystrokes_from_the_cache() -> None:
    text = REAL_FILE.read_text(encoding="utf-8")
    start = text.index("def split_at_cursor")
    end = text.index("\n\ndef _trim_suffix") + 1  # the cursor sits on an empty line
    result = typing_replay.replay(text, start, end)
    print(
        f"typing replay: {result.cache_hits}/{result.keystrokes} keystrokes from the cache "
        f"({result.hit_rate:.1%}), {result.model_calls} model calls"
    )
    assert result.keystrokes > 300
    assert result.hit_rate >= 0.5
    assert result.cache_hits + result.model_calls == result.requests


def test_find_names_the_suggestion_and_what_was_typed_of_it() -> None:
    cache = TypingCache()
    cache.remember("a.py", "x = ", "\n", "f(1)\n", key="s1")
    hit = cache.find("a.py", "x = f(", "\n")
    assert hit is not None and (hit.rest, hit.key, hit.typed) == ("1)\n", "s1", 2)
    exact = cache.find("a.py", "x = ", "\n")
    assert exact is not None and (exact.rest, exact.typed) == ("f(1)\n", 0)
    # Typed out to its (blank) end: no answer any more, but the suggestion was taken.
    done = cache.find("a.py", "x = f(1)", "\n")
    assert done is not None and (done.rest, done.key, done.typed) == ("\n", "s1", 4)
    assert cache.lookup("a.py", "x = f(1)", "\n") is None


def whole_at(text: str, offset: int) -> CompletionRequest:
    return CompletionRequest("file:///a.py", 1, "a.py", "python", text, offset)


def test_a_cursor_in_a_big_text_is_found_as_with_the_text_cut_at_it() -> None:
    """find_near/remember_near read only the text near the cursor (`near`), with the same
    answers as find/remember given all of it."""
    head = "".join(f"v{i} = {i}\n" for i in range(2000))
    whole, cut = TypingCache(), TypingCache()
    text = head + "x = \n" + head
    at = len(head) + 4
    whole.remember("a.py", text[:at], text[at:], "compute(1, 2)", "k")
    cut.remember_near("a.py", *near(whole_at(text, at)), "compute(1, 2)", "k")
    for typed in ["", "c", "comp", "compute(1, 2)", "d"]:
        now = text[:at] + typed + text[at:]
        where = at + len(typed)
        found = cut.find_near("a.py", *near(whole_at(now, where)))
        assert whole.find("a.py", now[:where], now[where:]) == found
    assert cut.find_near("a.py", *near(whole_at(text[:at] + "co" + text[at:], at + 2)))
