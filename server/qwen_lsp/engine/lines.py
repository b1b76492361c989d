"""Line starts of a text, kept across edits without rescanning it.

Lines end at "\\n" (a "\\r" before it stays part of the line, as LSP columns never reach it).
Typing along one line shifts every later line by the same amount: that shift is kept pending
and applied only when an edit lands on another line, so a keystroke costs O(1).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

PIECE = 1 << 20  # characters summed per step: a short hold of the GIL each, in a thread


def line_starts(text: str) -> list[int]:
    """The offset of each line's first character. Each line's length + 1, summed: all in C
    (a 10 MB file: ~30 ms, not ~270 ms), a piece of the text at a time."""
    starts = [0]
    for at in range(0, len(text), PIECE):
        ends = list(
            accumulate(map((1).__add__, map(len, text[at : at + PIECE].split("\n"))), initial=at)
        )
        starts += ends[1:-1]  # after each newline of the piece (the last is past its end)
    return starts


class LineIndex:
    def __init__(self, text: str, starts: list[int] | None = None) -> None:
        """`starts`: `line_starts(text)`, when made elsewhere."""
        self._starts = line_starts(text) if starts is None else starts
        self._shift_after = len(self._starts)  # rows after this one still owe `_shift`
        self._shift = 0

    def __len__(self) -> int:
        """Number of lines (a text ending in a newline has an empty last line)."""
        return len(self._starts)

    def start(self, row: int) -> int:
        """Offset of the first character of `row` (0-based; must be < len(self))."""
        return self._starts[row] + (self._shift if row > self._shift_after else 0)

    def row_of(self, offset: int) -> int:
        """The row holding code point `offset` (a newline belongs to the row it ends)."""
        split = self._shift_after + 1  # rows from here on are stored `_shift` too far
        if split < len(self._starts) and offset >= self._starts[split] + self._shift:
            return bisect_right(self._starts, offset - self._shift, split) - 1
        return bisect_right(self._starts, offset, 0, min(split, len(self._starts))) - 1

    def edit(self, first_row: int, last_row: int, start: int, removed: int, new_text: str) -> None:
        """Rows `first_row`..`last_row` lost `removed` characters at `start` for `new_text`."""
        delta = len(new_text) - removed
        if first_row == last_row and "\n" not in new_text:
            if self._shift and self._shift_after != first_row:
                self._flush()
            self._shift_after, self._shift = first_row, self._shift + delta
            return
        self._flush()
        added = []
        at = new_text.find("\n")
        while at >= 0:
            added.append(start + at + 1)
            at = new_text.find("\n", at + 1)
        self._starts[first_row + 1 : last_row + 1] = added
        self._shift_after, self._shift = first_row + len(added), delta

    def _flush(self) -> None:
        row, shift = self._shift_after, self._shift
        if shift:
            self._starts[row + 1 :] = [s + shift for s in self._starts[row + 1 :]]
        self._shift_after, self._shift = len(self._starts), 0
