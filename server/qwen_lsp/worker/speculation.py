"""Prompt-lookup drafts: guess the next tokens by finding the current n-gram earlier in the text.

Pure Python (no mlx): the model verifies these guesses in one forward pass (`decoding.py`).
Completions and edits copy a lot of their context (code below the cursor, the lines being
refactored), so the tokens that followed the last occurrence of the current tail are a cheap,
often right, draft.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class NgramIndex:
    """Where each n-gram (n in [min_n, max_n]) of a growing token list was last followed.

    `draft(k)` looks up the longest n-gram ending the list and returns the k tokens that
    followed its most recent earlier occurrence (a match near the end repeats, as the text
    would if it went on copying itself). An n-gram is indexed only once a token follows it, so
    the tail never matches itself.
    """

    def __init__(self, tokens: Iterable[int] = (), max_n: int = 3, min_n: int = 1) -> None:
        if not 1 <= min_n <= max_n:
            raise ValueError(f"need 1 <= min_n <= max_n, got {min_n}, {max_n}")
        self.max_n, self.min_n = max_n, min_n
        self.tokens: list[int] = []
        self._next: dict[tuple[int, ...], int] = {}
        self.extend(tokens)

    def extend(self, tokens: Iterable[int]) -> None:
        seq, index = self.tokens, self._next
        for token in tokens:
            end = len(seq)  # the n-grams ending at end-1 are now followed by `token` at `end`
            for n in range(self.min_n, min(self.max_n, end) + 1):
                index[tuple(seq[end - n : end])] = end
            seq.append(token)

    def draft(self, k: int) -> list[int]:
        seq = self.tokens
        for n in range(min(self.max_n, len(seq)), self.min_n - 1, -1):
            start = self._next.get(tuple(seq[len(seq) - n :]))
            if start is not None:
                # A match close to the end runs on into its own copy: a repeating pattern.
                period = len(seq) - start
                return [seq[start + i % period] for i in range(k)]
        return []


def accepted_length(draft: Sequence[int], verified: Sequence[int]) -> int:
    """How many draft tokens the model agrees with: `verified[i]` is its choice after draft[:i]."""
    n = 0
    while n < len(draft) and n < len(verified) and draft[n] == verified[n]:
        n += 1
    return n


@dataclass
class SpeculationStats:
    """Counts for one generation: forward passes, tokens drafted and accepted."""

    forward_passes: int = 0
    drafted: int = 0
    accepted: int = 0

    @property
    def acceptance(self) -> float:
        return self.accepted / self.drafted if self.drafted else 0.0
