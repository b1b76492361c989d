"""At the end of a line, a one-line suggestion may be the next line (as Copilot suggests it)."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.completion import CompletionRequest, build_prompt
from qwen_lsp.settings import CompletionSettings, ContextSettings
from qwen_lsp.worker.stops import first_stop

pytestmark = pytest.mark.unit

FUNCTION = "def area(width, height):\n    size = width * height\n    return size\n"


def plan_at(text: str, cursor: str, **completion: object):
    """The plan with the cursor just after the first occurrence of `cursor` in `text`."""
    offset = text.index(cursor) + len(cursor)
    request = CompletionRequest("file:///p/a.py", 1, "/p/a.py", "python", text, offset)
    return build_prompt(request, CompletionSettings(**completion), ContextSettings())


@pytest.mark.parametrize(
    ("text", "cursor", "next_line"),
    [
        (FUNCTION, "width * height", True),  # the end of a line of code
        ("x = 1   \n", "x = 1", True),  # only spaces after the cursor
        (FUNCTION, "size = ", False),  # the middle of a line
        ("print(x)\n", "print(x", False),  # a closer after the cursor: one line, as before
        (FUNCTION, "height):", False),  # a block opener: a block is suggested
    ],
)
def test_only_the_end_of_a_line_of_code_asks_for_the_next_line(
    text: str, cursor: str, next_line: bool
):
    plan = plan_at(text, cursor)
    assert plan.next_line == next_line
    assert plan.stop == (() if plan.multiline else ("\n",))


def test_a_blank_line_gets_a_block_not_the_next_line():
    plan = plan_at("def f():\n    \n", "def f():\n    ")
    assert plan.multiline and not plan.next_line


def test_the_setting_and_multiline_never_turn_it_off():
    assert not plan_at(FUNCTION, "width * height", next_line=False).next_line
    assert not plan_at(FUNCTION, "width * height", multiline="never").next_line


def test_the_prompt_is_the_same_with_and_without_it():
    on = plan_at(FUNCTION, "width * height")
    off = plan_at(FUNCTION, "width * height", next_line=False)
    assert on.prompt == off.prompt and on.stop == off.stop == ("\n",)


@pytest.mark.parametrize(
    ("text", "after_space", "at"),
    [
        ("\n    return size\n    x", True, 16),  # the leading newline is no stop: the next one is
        ("\n\n  \treturn size\n", True, 16),
        ("\n    return size\n", False, 0),  # without it, as before: the first newline
        (" # note\nnext", True, 7),  # a line the model goes on: its own end
        ("\n\n\n", True, None),  # nothing but line ends: no stop yet
    ],
)
def test_a_stop_after_leading_space_skips_only_the_leading_whitespace(
    text: str, after_space: bool, at: int | None
):
    assert first_stop(text, ["\n"], after_space) == at
