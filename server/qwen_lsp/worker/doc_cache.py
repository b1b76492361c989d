"""One live KV cache per key (a document, an action session), reused in place: never copied.

mlx-lm's LRUPromptCache deep-copies an entry on every fetch and stores every prompt + answer as a
new entry; successive keystrokes are not prefixes of each other, so entries pile up. Here a
request takes its key's cache out, trims it back to the prefix it shares with the new prompt,
extends it while generating, and puts it back. Pure Python: the cache operations are passed in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Cache = list[Any]


@dataclass
class _Entry:
    tokens: list[int]
    cache: Cache


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n, limit = 0, min(len(a), len(b))
    while n < limit and a[n] == b[n]:
        n += 1
    return n


class DocumentCaches:
    """Live caches by key, least recently used evicted beyond `budget_tokens`.

    `cost(cache)` is the memory a cache holds, in tokens (its allocated size); `trim(cache, n)`
    drops its last n tokens, when `can_trim(cache)`; `make()` gives an empty cache.
    """

    def __init__(
        self,
        budget_tokens: int,
        make: Callable[[], Cache],
        trim: Callable[[Cache, int], Any],
        can_trim: Callable[[Cache], bool],
        cost: Callable[[Cache], int],
    ) -> None:
        self.budget_tokens = budget_tokens
        self._make, self._trim, self._can_trim, self._cost = make, trim, can_trim, cost
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def held_tokens(self) -> int:
        return sum(self._cost(e.cache) for e in self._entries.values())

    def clear(self) -> None:
        self._entries.clear()

    def peek(self, key: str) -> list[int] | None:
        """The tokens the key's cache holds (None: no cache), leaving it where it is."""
        entry = self._entries.get(key)
        return None if entry is None else list(entry.tokens)

    def take(self, key: str, tokens: Sequence[int]) -> tuple[Cache, int]:
        """The key's cache, trimmed to the prefix it shares with `tokens`, and that length.

        At least the last prompt token is left to feed (the model needs its logits).
        """
        entry = self._entries.pop(key, None)
        if entry is None:
            return self._make(), 0
        keep = max(0, min(common_prefix(entry.tokens, tokens), len(tokens) - 1))
        surplus = len(entry.tokens) - keep
        if surplus and not self._can_trim(entry.cache):
            return self._make(), 0
        if surplus:
            self._trim(entry.cache, surplus)
        return entry.cache, keep

    def put(self, key: str, tokens: Sequence[int], cache: Cache) -> None:
        """Give back the cache holding exactly `tokens`; evict the least recently used."""
        self._entries[key] = _Entry(list(tokens), cache)
        self._entries.move_to_end(key)
        held = self.held_tokens
        while held > self.budget_tokens and self._entries:
            _, oldest = self._entries.popitem(last=False)
            held -= self._cost(oldest.cache)
