"""Cutting degenerate repetition out of model output (after Tabby's post-processing filters).

Models loop, even at temperature 0: `(node(node(node(…`, `look look look …`, the same line or
block again and again until the token limit. A loop is cut where it starts; the lines before it
are kept, the looping line and everything after it are dropped.
"""

from __future__ import annotations

import re

# A unit of 2-9 characters repeated 4+ more times; or of 10+ characters, 3+ more times.
_LOOPS = (re.compile(r"(.{2,9}?)\1{4,}"), re.compile(r"(.{10,}?)\1{3,}"))
MIN_LINE_REPEATS = 4  # the same line this many times in a row, up to the end of the output
MIN_BLOCK_REPEATS = 3  # the same block of lines this many times in a row, up to the end


def cut_repetition(text: str) -> str:
    """`text` without a loop of tokens within a line, or of lines or blocks at its end."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _loops_within(line):
            return "\n".join(lines[:index])
    return _cut_repeated_blocks(text)


def _loops_within(line: str) -> bool:
    return any(
        any(c.isalpha() for c in match.group(1))
        for pattern in _LOOPS
        for match in pattern.finditer(line)
    )


def _cut_repeated_blocks(text: str) -> str:
    """Keep one copy of a block of lines that repeats up to the end of the output."""
    lines = text.rstrip().split("\n")
    for size in range(1, len(lines) // MIN_BLOCK_REPEATS + 1):
        end = len(lines) - 1 if _is_partial(lines, size) else len(lines)
        run = 0  # lines equal to the line `size` above them, counted back from `end`
        while end - run - 1 - size >= 0 and _same(lines, end - run - 1, end - run - 1 - size):
            run += 1
        copies = run // size + 1
        block = lines[end - size : end]
        looping = any(any(c.isalnum() for c in line) for line in block)  # not just `}` lines
        if looping and copies >= (MIN_LINE_REPEATS if size == 1 else MIN_BLOCK_REPEATS):
            return "\n".join(lines[: end - run])
    return text


def _same(lines: list[str], i: int, j: int) -> bool:
    """Equal lines; the first follows the cursor, so its indentation is not part of it."""
    if min(i, j) == 0:
        return lines[i].strip() == lines[j].strip()
    return lines[i] == lines[j]


def _is_partial(lines: list[str], size: int) -> bool:
    """The last line is a strict prefix of the line `size` above it: a loop cut mid-line."""
    if len(lines) <= size:
        return False
    last, model = lines[-1], lines[-1 - size]
    return last != model and model.startswith(last)
