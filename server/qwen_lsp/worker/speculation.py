"""Prompt-lookup drafts: guess the next tokens by finding the current n-gram earlier in the text.

Pure Python (no mlx): the model verifies these guesses in one forward pass (`decoding.py`).
Completions and edits copy a lot of their context (code below the cursor, the lines being
refactored, the tool-call syntax), so the tokens that followed the last occurrence of the
current tail are a cheap, often right, draft. A wrong draft is not free (each drafted token
widens the pass), so a draft needs a match of two tokens or more: single-token matches were
mostly wrong on the trained test model (BENCHMARKS.md). A FIM answer mostly ends at its line's
end, where the text it copies goes on: drafts there end the line and stop (`LineEnds`).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

FIM_MIN_N = 2  # drafts from the line being copied; 3 drafted too late there (BENCHMARKS.md)
_SEPARATOR = -1  # between sources: no token id, so no n-gram spans two sources
_ID_BYTES = 4


def _as_bytes(tokens: list[int]) -> bytes:
    return array("i", tokens).tobytes()


class NgramIndex:
    """Drafts from the longest n-gram (n in [min_n, max_n]) ending a growing live text, copying
    what followed its last earlier occurrence in the live text or in the sources.

    `sources` are extra texts to copy from (the suffix of a FIM prompt, the tool-call syntax
    of an action); `tokens` start the live text (the prompt, or the part of it that the
    answer continues). An occurrence in what was extended since (the answer) wins over one in
    a source, which wins over one in the prompt (sources are what an answer copies); a match
    close to the end runs on as a repeat. Only an occurrence followed by a token counts, so the
    tail never matches itself. Nothing is indexed ahead: the text is kept as 32-bit ids and
    searched with `bytes.rfind` on demand (a 4k-token prompt took 20 ms to index in Python).
    """

    def __init__(
        self,
        tokens: Iterable[int] = (),
        max_n: int = 4,
        min_n: int = 2,
        sources: Iterable[Sequence[int]] = (),
        line_ends: Callable[[int], list[int] | None] | None = None,
    ) -> None:
        if not 1 <= min_n <= max_n:
            raise ValueError(f"need 1 <= min_n <= max_n, got {min_n}, {max_n}")
        self.max_n, self.min_n = max_n, min_n
        self._line_ends = line_ends
        self._text: list[int] = []  # sources, each followed by a separator, then the live text
        self._piece: int | None = None  # where the source piece after the last one drafted starts
        for source in sources:
            self._text.extend([*source, _SEPARATOR])
        self._live = len(self._text)
        self._text.extend(tokens)
        self._answer = len(self._text)  # where what was extended since starts
        self._ids = bytearray(_as_bytes(self._text))

    @property
    def tokens(self) -> list[int]:
        """The live text: the tokens given last and everything extended since."""
        return self._text[self._live :]

    def extend(self, tokens: Iterable[int]) -> None:
        tokens = list(tokens)
        self._text.extend(tokens)
        self._ids += _as_bytes(tokens)

    def _follower(self, gram: bytes, lo: int, hi: int) -> int | None:
        """Where the token after the last occurrence of `gram` starting at `lo` or later is,
        when that token is not a separator and comes before `hi`."""
        n = len(gram) // _ID_BYTES
        end = (hi - 1) * _ID_BYTES
        while (at := self._ids.rfind(gram, lo * _ID_BYTES, end)) != -1:
            if at % _ID_BYTES == 0 and self._text[at // _ID_BYTES + n] != _SEPARATOR:
                return at // _ID_BYTES + n
            end = at + len(gram) - 1  # look further back
        return None

    def _match(self, n: int) -> int | None:
        """Where what followed the tail's n-gram starts: in the answer, a source, the prompt."""
        gram = bytes(self._ids[-n * _ID_BYTES :])
        live, answer, end = self._live, self._answer, len(self._text)
        for lo, hi in ((max(live, answer - n), end), (0, live), (live, answer)):
            if (found := self._follower(gram, lo, hi)) is not None:
                return found
        return None

    def draft(self, k: int) -> list[int]:
        """Up to k tokens; with `line_ends`, cut at the first token holding a newline, which
        is replaced by what `line_ends` says ends the answer there."""
        out = self._copy(k)
        if self._line_ends is not None:
            for i, token in enumerate(out):
                if (instead := self._line_ends(token)) is not None:
                    return [*out[:i], *instead][:k]
        return out

    def _copy(self, k: int) -> list[int]:
        seq, live = self._text, self._live
        longest = min(self.max_n, len(seq) - live)
        shortest = bytes(self._ids[-self.min_n * _ID_BYTES :])  # within every longer match
        if self._ids.find(shortest, 0, (len(seq) - 1) * _ID_BYTES) == -1:  # one scan, in C
            longest = 0
        for n in range(longest, self.min_n - 1, -1):
            start = self._match(n)
            if start is None:
                continue
            if start >= live:  # a match close to the end runs on into its own copy: a repeat
                period = len(seq) - start
                return [seq[start + i % period] for i in range(k)]
            return self._from_source(start, k)
        # After a value the next piece of the source goes on, once its first token is written
        # (or its second: the value's last characters and the piece's first may merge in one).
        if self._piece is not None and len(seq) > live:
            for at in (self._piece, self._piece + 1):
                if seq[at] == seq[-1] != _SEPARATOR:
                    return self._from_source(at + 1, k)
        return []

    def _from_source(self, start: int, k: int) -> list[int]:
        out = self._text[start : start + k]
        if _SEPARATOR not in out:
            return out
        end = start + out.index(_SEPARATOR)
        self._piece = end + 1 if end + 1 < self._live else None
        return out[: end - start]


def fim_lookup(prompt: list[int], suffix_id: int, middle_id: int) -> tuple[list[int], list[int]]:
    """(live text, suffix) of a FIM prompt: the answer continues the prefix and what follows
    `middle_id` (the cursor line's start, in the server's layout), so drafts match their tail,
    and may copy the suffix. Other prompts: as is."""
    if middle_id in prompt and suffix_id in prompt:
        middle = len(prompt) - 1 - prompt[::-1].index(middle_id)
        if suffix_id in prompt[:middle]:
            at = middle - 1 - prompt[middle - 1 :: -1].index(suffix_id)
            return prompt[:at] + prompt[middle + 1 :], prompt[at + 1 : middle]
    return prompt, []


class LineEnds:
    """What a FIM answer ending at its line's end writes instead of a token holding a newline:
    the token's text before the newline, then `stop` (a copied `):\n` is `):` and the end).
    For prompts whose suffix starts a new line; memoized per token."""

    def __init__(
        self, decode: Callable[[list[int]], str], encode: Callable[[str], list[int]], stop: int
    ) -> None:
        self._decode, self._encode, self._stop = decode, encode, stop
        self._known: dict[int, list[int] | None] = {}

    def __call__(self, token: int) -> list[int] | None:
        if token not in self._known:
            head, newline, _ = self._decode([token]).partition("\n")
            self._known[token] = [*self._encode(head), self._stop] if newline else None
        return self._known[token]


_VALUE = "\ue000"  # a private-use character: no template or argument contains it


def tool_call_sketches(
    render: Callable[..., str], encode: Callable[[str], list[int]], tools: list[dict[str, Any]]
) -> list[list[int]]:
    """The syntax of a call to each tool as the chat template writes it, cut at the values:
    drafts copy the syntax and stop where an argument's value begins."""
    chat = [{"role": "user", "content": "-"}]
    head = render(chat, tools=tools, add_generation_prompt=True, tokenize=False)
    pieces = []
    for tool in tools:
        function = tool.get("function", {})
        names = function.get("parameters", {}).get("properties", {})
        call = {"name": function.get("name", ""), "arguments": dict.fromkeys(names, _VALUE)}
        answer = {"role": "assistant", "content": "", "tool_calls": [{"function": call}]}
        full = render([*chat, answer], tools=tools, tokenize=False)
        if full.startswith(head):  # from the generation prompt's last line on: a first draft
            start = head.rfind("\n", 0, len(head) - 1) + 1
            pieces += [encode(piece) for piece in full[start:].split(_VALUE)]
    return [piece for piece in pieces if piece]


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
