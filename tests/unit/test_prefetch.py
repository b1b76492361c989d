"""What background work is kept, waited for or cancelled when the next request comes."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.prefetch import State, Upcoming, WarmPrompts, can_prewarm

pytestmark = pytest.mark.unit

TEXT = "def area(r):\n    return \n"
CURSOR = TEXT.index("\n", TEXT.index("return"))


def test_accepting_inserts_the_suggestion_and_moves_the_cursor_to_its_end() -> None:
    after = State(TEXT, CURSOR).accepting("3.14 * r * r")
    assert after.text == "def area(r):\n    return 3.14 * r * r\n"
    assert after.offset == after.text.index("r\n", after.text.index("*")) + 1


def test_typing_the_suggestion_leads_to_the_accepted_state_anything_else_does_not() -> None:
    start = State(TEXT, CURSOR)
    accepted = start.accepting("3.14 * r * r")
    assert start.leads_to(accepted)
    assert start.accepting("3.1").leads_to(accepted)
    assert not start.accepting("2").leads_to(accepted)  # not what the suggestion says
    assert not State("# x\n" + TEXT, CURSOR + 4).leads_to(accepted)  # an edit elsewhere
    assert not accepted.leads_to(start)  # deleting is not typing on


def test_work_for_the_very_state_is_waited_for() -> None:
    upcoming: Upcoming[str] = Upcoming()
    accepted = State(TEXT, CURSOR).accepting("3.14 * r * r")
    upcoming.start("a.py", accepted, "task")
    assert upcoming.settle("a.py", accepted) == ("task", None)


def test_typing_the_suggestion_through_keeps_the_work() -> None:
    upcoming: Upcoming[str] = Upcoming()
    start = State(TEXT, CURSOR)
    upcoming.start("a.py", start.accepting("3.14 * r * r"), "task")
    assert upcoming.settle("a.py", start.accepting("3.")) == (None, None)
    assert upcoming.settle("a.py", start.accepting("3.14 * r * r")) == ("task", None)


def test_typing_something_else_cancels_the_work_once() -> None:
    upcoming: Upcoming[str] = Upcoming()
    start = State(TEXT, CURSOR)
    upcoming.start("a.py", start.accepting("3.14 * r * r"), "task")
    assert upcoming.settle("a.py", start.accepting("math.pi")) == (None, "task")
    assert upcoming.settle("a.py", start.accepting("3.14 * r * r")) == (None, None)


def test_newer_work_supersedes_and_finished_work_is_forgotten() -> None:
    upcoming: Upcoming[str] = Upcoming()
    first, second = State(TEXT, CURSOR), State(TEXT + "x", CURSOR)
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
