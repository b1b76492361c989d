"""One live KV cache per key (a document, an action session), reused in place: never copied.

mlx-lm's LRUPromptCache deep-copies an entry on every fetch and stores every prompt + answer as a
new entry; successive keystrokes are not prefixes of each other, so entries pile up. Here a
request takes its key's cache out, trims it back to the prefix it shares with the new prompt,
extends it while generating, and puts it back. Pure Python: the cache operations are passed in.

A document may also hold an alternate cache (messages.ALTERNATE): background work fills it with
the prompt of a state expected next (after Enter), starting from a copy of the document's own
cache; a keystroke of the document takes (moves) whichever of the two shares more of its prompt.
Alternates are evicted before any document's own cache.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..messages import cache_document

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
    drops its last n tokens, when `can_trim(cache)`; `make()` gives an empty cache; `clone(cache)`
    a copy (only an alternate's first fill copies).
    """

    def __init__(
        self,
        budget_tokens: int,
        make: Callable[[], Cache],
        trim: Callable[[Cache, int], Any],
        can_trim: Callable[[Cache], bool],
        cost: Callable[[Cache], int],
        clone: Callable[[Cache], Cache] = copy.deepcopy,
    ) -> None:
        self.budget_tokens = budget_tokens
        self._make, self._trim, self._can_trim, self._cost = make, trim, can_trim, cost
        self._clone = clone
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        """Documents (and sessions) warm: a document's alternate is not another one."""
        return len({cache_document(key) for key in self._entries})

    @property
    def held_tokens(self) -> int:
        return sum(self._cost(e.cache) for e in self._entries.values())

    def clear(self) -> None:
        self._entries.clear()

    def peek(self, key: str) -> list[int] | None:
        """The tokens the key's cache holds (None: no cache), leaving it where it is."""
        entry = self._entries.get(key)
        return None if entry is None else list(entry.tokens)

    def best(self, key: str, tokens: Sequence[int], alternates: bool = False) -> str | None:
        """The key of the cache `take` would start from: `key`'s own or, for an alternate key or
        with `alternates`, whichever cache of its document shares most of `tokens`."""
        document = cache_document(key)
        wider = alternates or key != document
        found = [k for k in self._entries if k == key or (wider and cache_document(k) == document)]
        if not found:
            return None
        return max(found, key=lambda k: (common_prefix(self._entries[k].tokens, tokens), k == key))

    def take(self, key: str, tokens: Sequence[int], alternates: bool = False) -> tuple[Cache, int]:
        """The key's cache, trimmed to the prefix it shares with `tokens`, and that length.

        At least the last prompt token is left to feed (the model needs its logits). With
        `alternates` the document's alternate is taken instead when it shares more; an alternate
        key starts from a copy of its document's cache when that shares more than its own.
        """
        found = self.best(key, tokens, alternates)
        if found is None:
            return self._make(), 0
        entry = self._entries[found]
        keep = max(0, min(common_prefix(entry.tokens, tokens), len(tokens) - 1))
        if found != key and key != cache_document(key):  # an alternate's first fill: a copy
            if not keep:
                return self._make(), 0
            entry = _Entry(entry.tokens, self._clone(entry.cache))
        else:
            del self._entries[found]
        surplus = len(entry.tokens) - keep
        if surplus and not self._can_trim(entry.cache):
            return self._make(), 0
        if surplus:
            self._trim(entry.cache, surplus)
        return entry.cache, keep

    def put(self, key: str, tokens: Sequence[int], cache: Cache) -> None:
        """Give back the cache holding exactly `tokens`; evict alternates, then the least
        recently used."""
        self._entries[key] = _Entry(list(tokens), cache)
        self._entries.move_to_end(key)
        held = self.held_tokens
        while held > self.budget_tokens and self._entries:
            alternates = (k for k in self._entries if k != cache_document(k))
            victim = next(alternates, None) or next(iter(self._entries))
            held -= self._cost(self._entries.pop(victim).cache)
