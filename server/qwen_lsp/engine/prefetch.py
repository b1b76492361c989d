"""Model work done before anyone asks for it, at background priority.

Pre-warm: when a document is opened or comes to the front, its completion prompt at the cursor
is prefilled into the document's KV cache (max_tokens 0), so the first keystroke reuses it.
Next suggestion (llama.vim's idea): after a suggestion is served, the one that would follow its
acceptance is computed and kept in the typing cache, so Tab shows the next ghost text at once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import LRUCache

H = TypeVar("H")  # a handle on work in flight (the server's task)

# Backends where a prompt can be prefilled without generating: the local worker, and llama.cpp
# (`/infill` with n_predict 0, as llama.vim warms its cache). OpenAI servers would generate.
WARMABLE_BACKENDS = frozenset({"local", "llamacpp"})


def can_prewarm(backend: str) -> bool:
    return backend in WARMABLE_BACKENDS


@dataclass(frozen=True, slots=True)
class State:
    """A document's text and cursor (offset in code points), as a request snapshots them."""

    text: str
    offset: int

    def accepting(self, suggestion: str) -> State:
        """The state after `suggestion` is accepted here: inserted, the cursor at its end."""
        text = self.text[: self.offset] + suggestion + self.text[self.offset :]
        return State(text, self.offset + len(suggestion))

    def leads_to(self, later: State) -> bool:
        """Typing at the cursor, and nothing else, turns this state into `later`."""
        if later.offset < self.offset:
            return False
        if len(later.text) - later.offset != len(self.text) - self.offset:
            return False
        return (
            later.text[later.offset :] == self.text[self.offset :]
            and later.text[: self.offset] == self.text[: self.offset]
        )


class WarmPrompts:
    """The prompt each document's KV cache was last filled with: warming it again is skipped."""

    def __init__(self, documents: int = 256) -> None:
        self._last: LRUCache[str, str] = LRUCache(maxsize=documents)

    def note(self, document: str, prompt: str) -> None:
        self._last[document] = prompt

    def holds(self, document: str, prompt: str) -> bool:
        return self._last.get(document) == prompt

    def forget(self, document: str) -> None:
        self._last.pop(document, None)


class Upcoming(Generic[H]):
    """Per document, the next suggestion being computed: for which state, and its handle."""

    def __init__(self, remembered: int = 256) -> None:
        self._work: dict[str, tuple[State, H]] = {}
        self._kept: deque[str] = deque(maxlen=remembered)  # suggestions computed ahead

    def kept(self, key: str) -> None:
        """Suggestion `key` was computed ahead and kept for its state."""
        self._kept.append(key)

    def computed_ahead(self, key: str) -> bool:
        return bool(key) and key in self._kept

    def start(self, document: str, state: State, handle: H) -> H | None:
        """Record new work; returns the handle it supersedes (to cancel)."""
        previous = self._work.pop(document, None)
        self._work[document] = (state, handle)
        return previous[1] if previous else None

    def settle(self, document: str, now: State) -> tuple[H | None, H | None]:
        """A request for `now` came: (work to wait for, work to cancel).

        Work made for `now` is waited for; work that typing on from `now` may still reach (the
        user is typing the suggestion through) is kept; anything else the user left: cancel it.
        """
        entry = self._work.get(document)
        if entry is None:
            return None, None
        state, handle = entry
        if state == now:
            return handle, None
        if now.leads_to(state):
            return None, None
        del self._work[document]
        return None, handle

    def finished(self, document: str, handle: H) -> None:
        if (entry := self._work.get(document)) is not None and entry[1] is handle:
            del self._work[document]

    def forget(self, document: str) -> H | None:
        entry = self._work.pop(document, None)
        return entry[1] if entry else None
