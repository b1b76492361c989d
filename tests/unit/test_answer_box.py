"""When a suggestion is answered before its generation ends, and with what."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.answer_box import AnswerBox, whole_lines

pytestmark = pytest.mark.unit


def test_due_once_the_time_has_passed_and_once_only() -> None:
    box = AnswerBox(100, since=10.0)
    assert box.due(10.05, lambda: "x = 1") is None
    assert box.due(10.1, lambda: "x = 1") == "x = 1"
    assert box.due(10.2, lambda: "x = 12") is None


def test_blank_text_waits_for_the_first_word() -> None:
    box = AnswerBox(50, since=0.0)
    assert box.due(1.0, lambda: "   ") is None
    assert box.due(1.1, lambda: "   \n  ") is None
    assert box.due(1.2, lambda: "   \n  ret") == "   \n  ret"


def test_zero_never_answers_early_and_text_is_read_only_when_due() -> None:
    def unread() -> str:
        raise AssertionError("decoded before it was due")

    assert AnswerBox(0, since=0.0).due(1e9, unread) is None
    assert AnswerBox(100, since=0.0).due(0.01, unread) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("x = 1", "x = 1"),  # one unfinished line: all of it
        ("x = 1\ny = ", "x = 1"),  # finished lines only
        ("x = 1\n", "x = 1"),
        ("a\nb\nc", "a\nb"),
        ("\n  y = ", "\n  y = "),  # the only finished line is blank: keep the text
    ],
)
def test_a_cut_answer_keeps_whole_lines(text: str, kept: str) -> None:
    assert whole_lines(text) == kept
