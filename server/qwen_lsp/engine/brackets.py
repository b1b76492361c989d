"""Bracket balance that skips strings and comments, per language, without a parser.

Used to keep completions from closing brackets the code after the cursor already closes; it works
for every language, grammar or not, and costs one regex pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {")": "(", "]": "[", "}": "{"}

_DQ = r'"(?:\\.|[^"\\\n])*"?'
_SQ = r"'(?:\\.|[^'\\\n])*'?"
_CHAR = r"'(?:\\.|[^'\\\n])'"  # Rust/Go char literal; a lone ' is a Rust lifetime
_BT = r"`(?:\\.|[^`\\])*`?"
_TRIPLE = r'"""[\s\S]*?(?:"""|\Z)|' + r"'''[\s\S]*?(?:'''|\Z)"
_BLOCK = r"/\*[\s\S]*?(?:\*/|\Z)"
_BRACKET = r"[()\[\]{}]"
_LUA_LONG_COMMENT = r"--\[(=*)\[[\s\S]*?(?:\]\1\]|\Z)"  # group 1: the level of `=`
_LUA_LONG_STRING = r"\[(=*)\[[\s\S]*?(?:\]\2\]|\Z)"  # group 2 (numbered after the comment's)

_STRINGS_AND_COMMENTS = {
    "python": [_TRIPLE, r"#[^\n]*", _DQ, _SQ],
    "lua": [_LUA_LONG_COMMENT, r"--[^\n]*", _LUA_LONG_STRING, _DQ, _SQ],
    "rust": [r"//[^\n]*", _BLOCK, _DQ, _CHAR],
    "go": [r"//[^\n]*", _BLOCK, _DQ, _CHAR, _BT],
}
_C_LIKE = [r"//[^\n]*", _BLOCK, _DQ, _SQ, _BT]


@cache
def _pattern(language: str) -> re.Pattern[str]:
    parts = _STRINGS_AND_COMMENTS.get(language, _C_LIKE)
    return re.compile("|".join([*parts, _BRACKET]))


def brackets(text: str, language: str, start: int = 0) -> list[tuple[int, str]]:
    """(offset, bracket) of every bracket outside strings and comments, from offset `start`."""
    return [
        (m.start(), m.group())
        for m in _pattern(language).finditer(text)
        if m.end() - m.start() == 1 and m.group() in "()[]{}" and m.start() >= start
    ]


@dataclass(frozen=True, slots=True)
class Balance:
    """Brackets open at the cursor that the code after the cursor does not close."""

    open_at_cursor: tuple[str, ...]  # outermost first
    unclosed: tuple[str, ...]  # those the suffix leaves open: a completion may close these


def balance_at_cursor(before: str, after: str, language: str) -> Balance:
    """Scan the text around the cursor as one string so a string spanning the cursor is seen."""
    text = before + after
    stack: list[str] = []
    closed_by_suffix = 0
    local: list[str] = []
    for offset, char in brackets(text, language):
        in_suffix = offset >= len(before)
        if char in OPENERS:
            (local if in_suffix else stack).append(char)
        elif in_suffix and local:
            local.pop()
        elif in_suffix and closed_by_suffix < len(stack):
            closed_by_suffix += 1
        elif not in_suffix and stack:
            stack.pop()
    return Balance(tuple(stack), tuple(stack[: len(stack) - closed_by_suffix]))


def first_extra_closer(
    before: str, completion: str, language: str, unclosed: tuple[str, ...]
) -> tuple[int, bool]:
    """Where the completion closes more than its own brackets plus `unclosed`.

    Returns (offset in the completion, closes_an_unclosed): offset -1 when nothing is extra. The
    offset of the first closer of an enclosing bracket is returned with True so callers can end a
    block there.
    """
    base = len(before)
    own: list[str] = []
    outer = list(unclosed)
    enclosing_closed = -1
    for offset, char in brackets(before + completion, language, start=base):
        if char in OPENERS:
            own.append(char)
        elif own and own[-1] == CLOSERS[char]:
            own.pop()
        elif not own and outer and outer[-1] == CLOSERS[char]:
            outer.pop()
            if enclosing_closed < 0:
                enclosing_closed = offset - base
        else:
            return offset - base, False
    return enclosing_closed, enclosing_closed >= 0


_TOP_LEVEL = re.compile(r"\n(?=[A-Za-z_@])")


def window_start(text: str, limit: int = 20_000) -> int:
    """Start of a window of about `limit` characters ending at the end of `text`.

    It starts at a top-level line (a definition's header, usually) at most `limit` characters
    before the boundary, else at the first one after it, else at a line start.
    """
    boundary = len(text) - limit
    if boundary <= 0:
        return 0
    earlier = [m.end() for m in _TOP_LEVEL.finditer(text, max(0, boundary - limit), boundary)]
    if earlier:
        return earlier[-1]
    later = _TOP_LEVEL.search(text, boundary)
    if later:
        return later.end()
    return text.find("\n", boundary) + 1 or boundary


def lines_inside_literals(text: str, language: str) -> set[int]:
    """Indexes of lines that start inside a multi-line string or comment (docstrings…)."""
    inside: set[int] = set()
    for match in _pattern(language).finditer(text):
        if match.end() - match.start() > 1 and "\n" in match.group():
            first = text.count("\n", 0, match.start())
            inside.update(range(first + 1, first + 1 + match.group().count("\n")))
    return inside


def unmatched_closers(text: str, language: str) -> int:
    """Closing brackets in `text` that close nothing (or the wrong kind)."""
    stack: list[str] = []
    unmatched = 0
    for _, char in brackets(text, language):
        if char in OPENERS:
            stack.append(char)
        elif stack and stack[-1] == CLOSERS[char]:
            stack.pop()
        else:
            unmatched += 1
    return unmatched
