"""What background work is kept, waited for or cancelled when the next request comes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from qwen_lsp.engine.completion import (
    CompletionRequest,
    build_prompt,
    should_complete,
    text_window,
)
from qwen_lsp.engine.prefetch import State, Upcoming, WarmPrompts, can_prewarm
from qwen_lsp.settings import parse_settings

pytestmark = pytest.mark.unit

TEXT = "def area(r):\n    return \n"
CURSOR = TEXT.index("\n", TEXT.index("return"))
WINDOW = 4096


def at(text: str, offset: int, window: int = WINDOW) -> State:
    return State.of(CompletionRequest("", 0, "", "", text, offset), window)


def test_accepting_inserts_the_suggestion_and_moves_the_cursor_to_its_end() -> None:
    accepted = "def area(r):\n    return 3.14 * r * r\n"
    after = at(TEXT, CURSOR).accepting("3.14 * r * r")
    assert after == at(accepted, accepted.index("r\n", accepted.index("*")) + 1)


def test_a_state_keeps_the_text_near_the_cursor_and_counts_rows_to_it() -> None:
    text = "".join(f"line {i}\n" for i in range(100_000))  # 1.1 MB
    offset = text.index("line 50000")
    state = at(text, offset, window=64)
    assert (state.before, state.after) == (text[offset - 64 : offset], text[offset : offset + 64])
    assert state.row == text.count("\n", 0, offset - 64) and state.after_len == len(text) - offset
    suggestion = "x = 1\n" * 20  # longer than the window: rows move with what leaves it
    accepted = text[:offset] + suggestion + text[offset:]
    assert state.accepting(suggestion) == at(accepted, offset + len(suggestion), window=64)


def test_typing_the_suggestion_leads_to_the_accepted_state_anything_else_does_not() -> None:
    start = at(TEXT, CURSOR)
    accepted = start.accepting("3.14 * r * r")
    assert start.leads_to(accepted)
    assert start.accepting("3.1").leads_to(accepted)
    assert not start.accepting("2").leads_to(accepted)  # not what the suggestion says
    assert not at("# x\n" + TEXT, CURSOR + 4).leads_to(accepted)  # an edit elsewhere
    assert not accepted.leads_to(start)  # deleting is not typing on


def test_typing_through_is_seen_in_a_big_document_through_its_windows() -> None:
    text = "a = 1\n" * 50_000 + TEXT
    cursor = len(text) - len(TEXT) + CURSOR
    start = at(text, cursor, window=32)
    accepted = start.accepting("3.14 * r * r")
    assert start.accepting("3.14 *").leads_to(accepted)
    assert not start.accepting("3.14 /").leads_to(accepted)
    assert not at(text[1:], cursor - 1, window=32).leads_to(accepted)  # a line above changed
    assert not start.leads_to(start.accepting("x" * 40))  # typed past the window: cannot tell


def test_work_for_the_very_state_is_waited_for() -> None:
    upcoming: Upcoming[str] = Upcoming()
    accepted = at(TEXT, CURSOR).accepting("3.14 * r * r")
    upcoming.start("a.py", accepted, "task")
    assert upcoming.settle("a.py", accepted) == ("task", None)


def test_typing_the_suggestion_through_keeps_the_work() -> None:
    upcoming: Upcoming[str] = Upcoming()
    start = at(TEXT, CURSOR)
    upcoming.start("a.py", start.accepting("3.14 * r * r"), "task")
    assert upcoming.settle("a.py", start.accepting("3.")) == (None, None)
    assert upcoming.settle("a.py", start.accepting("3.14 * r * r")) == ("task", None)


def test_typing_something_else_cancels_the_work_once() -> None:
    upcoming: Upcoming[str] = Upcoming()
    start = at(TEXT, CURSOR)
    upcoming.start("a.py", start.accepting("3.14 * r * r"), "task")
    assert upcoming.settle("a.py", start.accepting("math.pi")) == (None, "task")
    assert upcoming.settle("a.py", start.accepting("3.14 * r * r")) == (None, None)


def test_newer_work_supersedes_and_finished_work_is_forgotten() -> None:
    upcoming: Upcoming[str] = Upcoming()
    first, second = at(TEXT, CURSOR), at(TEXT + "x", CURSOR)
    assert upcoming.start("a.py", first, "old") is None
    assert upcoming.start("a.py", second, "new") == "old"
    upcoming.finished("a.py", "old")  # a superseded task ending forgets nothing
    assert upcoming.settle("a.py", second) == ("new", None)
    upcoming.finished("a.py", "new")
    assert upcoming.settle("a.py", second) == (None, None)
    assert upcoming.forget("a.py") is None


def test_a_prompt_already_in_the_cache_is_not_warmed_again() -> None:
    warm = WarmPrompts()
    assert not warm.holds("a.py", "prompt")
    warm.note("a.py", "prompt")
    assert warm.holds("a.py", "prompt") and not warm.holds("a.py", "other")
    assert not warm.holds("b.py", "prompt")
    warm.forget("a.py")
    assert not warm.holds("a.py", "prompt")


def test_only_backends_that_prefill_without_generating_are_warmed() -> None:
    assert can_prewarm("local") and can_prewarm("llamacpp")
    assert not can_prewarm("openai")


def test_suggestions_computed_ahead_are_known_by_their_key() -> None:
    upcoming: Upcoming[str] = Upcoming(remembered=2)
    for key in ("a", "b", "c"):
        upcoming.kept(key)
    assert upcoming.computed_ahead("c") and upcoming.computed_ahead("b")
    assert not upcoming.computed_ahead("a")  # the oldest is forgotten
    assert not upcoming.computed_ahead("")  # a suggestion without a key


SHORT = ["", "x = 1", "    return f(a, b)", "def g():", "    if a:", "        b = [1, 2]"]
LINES = st.sampled_from([*SHORT * 8, "y" * 3000, "z" * 1500])  # some minified lines


@hsettings(max_examples=200, deadline=None)
@given(
    block=st.lists(LINES, min_size=1, max_size=40),
    repeats=st.integers(min_value=1, max_value=300),  # texts past the window, up to megabytes
    at_line=st.integers(min_value=0),
    column=st.integers(min_value=0),
    suggestion=st.text(alphabet="ab(:\n ", max_size=60),
    tokens=st.sampled_from([64, 512, 2048, 8192]),
)
@example(block=["y" * 3000], repeats=10, at_line=5, column=2000, suggestion="ab", tokens=64)
def test_the_next_suggestion_prompt_of_a_window_is_that_of_the_whole_text(
    block: list[str], repeats: int, at_line: int, column: int, suggestion: str, tokens: int
) -> None:
    """Background work prompts from the text near the cursor, never a copy of the whole: the
    prompt, its shape and its stops must be those of the whole text with the suggestion in."""
    lines = block * repeats
    text = "\n".join(lines)
    line = at_line % len(lines)
    offset = sum(len(li) + 1 for li in lines[:line]) + min(column, len(lines[line]))
    settings = parse_settings({"context": {"maxPromptTokens": tokens}})
    window = text_window(settings.context)
    snapshot = CompletionRequest("file:///a.py", 1, "a.py", "python", text, offset)
    accepted = State.of(snapshot, window).accepting(suggestion).request(snapshot)
    whole_text = text[:offset] + suggestion + text[offset:]
    whole = replace(snapshot, text=whole_text, offset=offset + len(suggestion))
    plan, expected = (
        build_prompt(r, settings.completion, settings.context) for r in (accepted, whole)
    )
    assert (plan.prompt, plan.multiline, plan.stop, plan.site) == (
        expected.prompt,
        expected.multiline,
        expected.stop,
        expected.site,
    )
    assert should_complete(accepted) == should_complete(whole)


def test_only_the_current_work_that_has_begun_generating_is_running() -> None:
    upcoming: Upcoming[object] = Upcoming()
    old, new = object(), object()
    state = at(TEXT, CURSOR).accepting("3.14 * r * r")
    upcoming.start("a.py", state, old)
    assert not upcoming.running("a.py")  # queued: a request may ask anew after a while
    upcoming.generating("a.py", old)
    assert upcoming.running("a.py")
    upcoming.start("a.py", state, new)  # superseded: the new one has not begun
    assert not upcoming.running("a.py")
    upcoming.generating("a.py", new)
    upcoming.finished("a.py", new)
    assert not upcoming.running("a.py") and not upcoming.running("b.py")
