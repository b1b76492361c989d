"""Plain line edits, and several definitions' edits merged into one non-overlapping set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LineEdit:
    """Replace lines start..end-1 (0-based; start == end inserts) with `text` (ends with \\n)."""

    start: int
    end: int
    text: str


def merge_edits(
    written: Iterable[tuple[str, list[LineEdit]]],
) -> tuple[list[LineEdit], list[str]]:
    """The edits of several definitions, each checked alone, as one non-overlapping set: a
    definition whose edits collide with an earlier one's is left out (and stays owed)."""
    edits: list[LineEdit] = []
    names: list[str] = []
    for name, own in written:
        if any(_collide(a, b) for a in own for b in edits):
            continue
        edits.extend(own)
        names.append(name)
    return sorted(edits, key=lambda e: (e.start, e.end)), names


def _collide(a: LineEdit, b: LineEdit) -> bool:
    return a.start == b.start or (a.start < b.end and b.start < a.end)
