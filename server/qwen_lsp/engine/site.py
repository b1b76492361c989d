"""Where a completion goes, as post-processing sees it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Site:
    """Where a completion goes: the document around the cursor and the chosen shape."""

    before: str  # document text before the cursor
    after: str  # document text from the cursor on
    language: str = ""
    multiline: bool = False
    max_lines: int = 16
    next_line: bool = False  # at a line's end, one line may start on the next line
