"""Line index: line starts stay right across edits, with pending shifts applied lazily."""

from __future__ import annotations

import random

import pytest

from qwen_lsp.engine import lines
from qwen_lsp.engine.lines import LineIndex

pytestmark = pytest.mark.unit


def _starts(text: str) -> list[int]:
    return [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]


def test_fresh_index() -> None:
    assert [LineIndex("a\nbc\n\nd").start(r) for r in range(4)] == [0, 2, 5, 6]
    assert len(LineIndex("")) == 1 and len(LineIndex("x\n")) == 2


def test_random_edits_keep_every_line_start() -> None:
    rng = random.Random(7)
    text = "".join(rng.choice(["ab", "\n", "c", "\n\n", "dé"]) for _ in range(200))
    index = LineIndex(text)
    for _ in range(400):
        # Mostly typing on one line (pending shift), sometimes elsewhere or across lines.
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.choice([0, 0, 0, 1, 3, 12]))
        new = rng.choice(["x", "y", "", "\n", "a\nb", "😀"])
        first, last = text.count("\n", 0, start), text.count("\n", 0, end)
        index.edit(first, last, start, end - start, new)
        text = text[:start] + new + text[end:]
        expected = _starts(text)
        assert len(index) == len(expected)
        assert [index.start(r) for r in range(len(expected))] == expected
        # The row of an offset, found without counting lines, even with a shift pending.
        for offset in {0, start, len(text), *(rng.randint(0, len(text)) for _ in range(5))}:
            assert index.row_of(offset) == text.count("\n", 0, offset), offset


def test_line_starts_are_where_each_line_begins():
    for text in ["", "\n", "a", "a\n", "a\nb", "\n\nxy\r\nz\n", "é\n😀\n"]:
        expected = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        index = LineIndex(text)
        assert [index.start(row) for row in range(len(index))] == expected, text


def test_line_starts_summed_a_piece_at_a_time(monkeypatch) -> None:
    monkeypatch.setattr(lines, "PIECE", 7)  # newlines on, before and after piece boundaries
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(rng.choice("ab\n\n") for _ in range(rng.randint(0, 40)))
        assert lines.line_starts(text) == _starts(text), text
