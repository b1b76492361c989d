"""Line starts of a text in two levels: newline counts per block, a block's line starts made
when first needed, so a keystroke right after opening a 10 MB file costs one block, not the file.

Lines end at "\\n" (a "\\r" before it stays part of the line, as LSP columns never reach it).
An edit rebuilds the blocks it touches and shifts the offsets of those after it: O(blocks).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

BLOCK = 1 << 16  # characters per block when counted; one grown past twice this is split again


def _starts_in(piece: str) -> list[int]:
    """Offsets just after each newline of `piece`: each line's length + 1, summed in C."""
    return list(accumulate(map((1).__add__, map(len, piece.split("\n")))))[:-1]


class LineIndex:
    def __init__(self, text: str, read: Callable[[int, int], str] | None = None) -> None:
        """Without `read`, every block's line starts are made now (e.g. in a thread). With it,
        only newline counts (10 MB: ~10 ms); a block's starts come from `read(start, end)` of
        the current text when first needed (so `edit` must come before the text changes)."""
        self._offsets = list(range(0, len(text), BLOCK)) or [0]
        self._lengths = [min(BLOCK, len(text) - at) for at in self._offsets]
        self._local: list[list[int] | None] = []  # starts after each newline, from block start
        self._counts: list[int] = []  # newlines per block
        for at, length in zip(self._offsets, self._lengths, strict=True):
            starts = _starts_in(text[at : at + length]) if read is None else None
            self._local.append(starts)
            counted = text.count("\n", at, at + length) if starts is None else len(starts)
            self._counts.append(counted)
        self._read = read
        self._before: list[int] = []  # newlines before each block
        self._recount(0)

    def __len__(self) -> int:
        """Number of lines (a text ending in a newline has an empty last line)."""
        return self._before[-1] + self._counts[-1] + 1

    def start(self, row: int) -> int:
        """Offset of the first character of `row` (0-based; must be < len(self))."""
        if row == 0:
            return 0
        if not 0 < row < len(self):
            raise IndexError(row)
        block = bisect_right(self._before, row - 1) - 1  # the block holding newline number `row`
        return self._offsets[block] + self._starts(block)[row - 1 - self._before[block]]

    def row_of(self, offset: int) -> int:
        """The row holding code point `offset` (a newline belongs to the row it ends)."""
        block = max(0, bisect_right(self._offsets, offset) - 1)
        inside = offset - self._offsets[block]
        return self._before[block] + bisect_right(self._starts(block), inside)

    def edit(self, start: int, removed: int, new_text: str) -> None:
        """`removed` characters at `start` become `new_text` (called before the text changes)."""
        end, delta = start + removed, len(new_text) - removed
        first = max(0, bisect_right(self._offsets, start) - 1)
        last = max(first, bisect_right(self._offsets, end) - 1)
        at = self._offsets[first]
        starts = self._starts(first)
        cut = bisect_right(starts, start - at)
        if first == last and "\n" not in new_text and cut == bisect_right(starts, end - at):
            starts[cut:] = [s + delta for s in starts[cut:]]  # typing within lines: no recount
            self._lengths[first] += delta
            self._offsets[first + 1 :] = [o + delta for o in self._offsets[first + 1 :]]
            return
        head = starts[:cut]
        new = [start - at + s for s in _starts_in(new_text)] if "\n" in new_text else []
        last_at = self._offsets[last]
        tail = [s + last_at - at + delta for s in self._starts(last) if s + last_at > end]
        length = last_at + self._lengths[last] - at + delta
        blocks = [(at, length, head + new + tail)]
        if length > 2 * BLOCK:  # split again, so that no block grows without end
            blocks = _split(at, length, head + new + tail)
        elif length == 0 and len(self._offsets) > last + 1 - first:
            blocks = []  # no empty block among others
        self._offsets[first : last + 1] = [b[0] for b in blocks]
        self._lengths[first : last + 1] = [b[1] for b in blocks]
        self._local[first : last + 1] = [b[2] for b in blocks]
        self._counts[first : last + 1] = [len(b[2]) for b in blocks]
        after = first + len(blocks)
        self._offsets[after:] = [o + delta for o in self._offsets[after:]]
        self._recount(first)

    def _starts(self, block: int) -> list[int]:
        starts = self._local[block]
        if starts is None:
            assert self._read is not None  # an index made without `read` has every block's
            at = self._offsets[block]
            starts = self._local[block] = _starts_in(self._read(at, at + self._lengths[block]))
        return starts

    def _recount(self, first: int) -> None:
        """Newlines before each block, again from block `first` on."""
        first = min(first, len(self._counts) - 1)  # the last block may have gone
        before = self._before[first] if first else 0
        del self._before[first:]
        self._before.extend(accumulate(self._counts[first:], initial=before))
        self._before.pop()  # the total, past the last block


def _split(at: int, length: int, starts: list[int]) -> list[tuple[int, int, list[int]]]:
    """(offset, length, starts) of BLOCK-sized pieces of one block."""
    out = []
    for piece in range(0, length, BLOCK):
        lo, hi = bisect_right(starts, piece), bisect_right(starts, piece + BLOCK)
        size = min(BLOCK, length - piece)
        out.append((at + piece, size, [s - piece for s in starts[lo:hi]]))
    return out
