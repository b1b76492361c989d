"""Stop strings a request adds to the model's own end tokens."""

from __future__ import annotations

from collections.abc import Iterable


def first_stop(text: str, stops: Iterable[str], after_space: bool = False) -> int | None:
    """Where the first of `stops` begins in generated text (after its leading whitespace with
    `after_space`); None when none occurs."""
    start = len(text) - len(text.lstrip()) if after_space else 0  # Generate.stop_after_space
    hits = [i for s in stops if s and (i := text.find(s, start)) != -1]
    return min(hits) if hits else None
