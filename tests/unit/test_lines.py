"""Line index: line starts stay right across edits, whether every block's starts were made at
once (in a thread) or each block's when first needed (right after an open)."""

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


def test_line_starts_are_where_each_line_begins():
    for text in ["", "\n", "a", "a\n", "a\nb", "\n\nxy\r\nz\n", "é\n😀\n"]:
        index = LineIndex(text)
        assert [index.start(row) for row in range(len(index))] == _starts(text), text
        with pytest.raises(IndexError):
            index.start(len(index))


def _edit_both(rng: random.Random, text: str, indexes: list[LineIndex]) -> str:
    start = rng.randint(0, len(text))
    end = min(len(text), start + rng.choice([0, 0, 0, 1, 3, 12, 40, 150]))
    new = rng.choice(["x", "y", "", "\n", "a\nb", "😀", "\r\n", "é\r\n" * 30, "z" * 70])
    for index in indexes:
        index.edit(start, end - start, new)  # before the text changes, as SyntaxDocument does
    return text[:start] + new + text[end:]


@pytest.mark.parametrize("block", [1, 5, 16, 1 << 16])
def test_two_levels_give_the_positions_of_a_full_index(monkeypatch, block: int) -> None:
    monkeypatch.setattr(lines, "BLOCK", block)  # newlines on, before and after block borders
    rng = random.Random(block)
    text = "".join(rng.choice(["ab", "\n", "c", "\r\n", "\n\n", "dé", "😀"]) for _ in range(200))
    current = [text]
    full = LineIndex(text)  # every block's starts now
    lazy = LineIndex(text, read=lambda a, b: current[0][a:b])  # counts; starts on demand
    for step in range(400):
        current[0] = text = _edit_both(rng, text, [full, lazy])
        expected = _starts(text)
        if step % 7 == 0 or step > 390:
            for index in (full, lazy):
                assert len(index) == len(expected)
                assert [index.start(r) for r in range(len(expected))] == expected
        # The row of an offset, found without counting lines; blocks read one at a time.
        for offset in {0, len(text), *(rng.randint(0, len(text)) for _ in range(4))}:
            row = text.count("\n", 0, offset)
            assert full.row_of(offset) == lazy.row_of(offset) == row, offset
            assert lazy.start(row) == expected[row]


def test_a_lazy_index_reads_only_the_blocks_it_is_asked_about(monkeypatch) -> None:
    monkeypatch.setattr(lines, "BLOCK", 100)
    text = "".join(f"line {i} é\r\n" for i in range(1000))
    reads: list[tuple[int, int]] = []

    def read(a: int, b: int) -> str:
        reads.append((a, b))
        return text[a:b]

    index = LineIndex(text, read=read)
    assert len(index) == 1001 and reads == []  # counted, not read
    row = 500
    at = index.start(row)
    assert text[at:].startswith("line 500 é\r\n")
    assert len(reads) == 1 and reads[0][1] - reads[0][0] == 100
    index.edit(at, 0, "x\ny")  # typing there reads the same block only
    assert len(reads) == 1
    assert index.start(row + 1) == at + 2
    assert index.row_of(at + 2) == row + 1 and index.row_of(at + 1) == row


def test_a_block_grown_past_twice_its_size_is_split(monkeypatch) -> None:
    monkeypatch.setattr(lines, "BLOCK", 10)
    text = "ab\ncd\n"
    index = LineIndex(text)
    for _ in range(30):  # a paste at the same place, again and again
        new = "xyz\n" * 3
        index.edit(4, 0, new)
        text = text[:4] + new + text[4:]
    assert max(index._lengths) <= 20
    assert [index.start(r) for r in range(len(index))] == _starts(text)
