"""How many prompt tokens a preemptible prefill chunk holds: as many as fit in a time budget.

A keystroke that comes while background work (a pre-warm of another document, the prompt after
Enter) is prefilling waits for the chunk under way. A fixed 64 tokens is ~4 decode steps where
prefill is ~15x cheaper per token than decoding (the M4 Max); on a small model on a CPU it was
~10-20 (90-240 ms under load). The chunk follows the measured prefill speed instead.
"""

from __future__ import annotations

CHUNK_BUDGET_S = 0.012  # what a keystroke may wait for a chunk of background prefill
MIN_CHUNK, MAX_CHUNK = 8, 64
SMOOTHING = 0.3  # weight of the newest measure in the running mean of seconds per token


class PrefillPace:
    """A running mean of seconds per prefill token, measured chunk by chunk."""

    def __init__(self, budget_s: float = CHUNK_BUDGET_S) -> None:
        self.budget_s = budget_s
        self.per_token_s = 0.0  # 0: nothing measured yet

    def record(self, tokens: int, seconds: float) -> None:
        """A chunk of `tokens` took `seconds`; a keystroke's own big chunks (past MAX_CHUNK)
        share the per-call cost among more tokens: they would flatter the pace."""
        if not 0 < tokens <= MAX_CHUNK:
            return
        measured = seconds / tokens
        old = self.per_token_s
        self.per_token_s = measured if not old else old + SMOOTHING * (measured - old)

    def chunk(self) -> int:
        """Tokens of the next preemptible chunk: the budget's worth, within the bounds (no
        budget: the most)."""
        if not self.budget_s:
            return MAX_CHUNK
        if not self.per_token_s:
            return MIN_CHUNK  # unmeasured: small, and its time teaches the pace
        return max(MIN_CHUNK, min(MAX_CHUNK, int(self.budget_s / self.per_token_s)))
