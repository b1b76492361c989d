"""Model work done before anyone asks for it, at background priority.

Pre-warm: when a document is opened or comes to the front, its completion prompt at the cursor
is prefilled into the document's KV cache (max_tokens 0), so the first keystroke reuses it.
Next suggestion (llama.vim's idea): after a suggestion is served, the one that would follow its
acceptance is computed and kept in the typing cache, so Tab shows the next ghost text at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from cachetools import LRUCache

from .completion import CompletionRequest

H = TypeVar("H")  # a handle on work in flight (the server's task)

# Backends where a prompt can be prefilled without generating: the local worker, and llama.cpp
# (`/infill` with n_predict 0, as llama.vim warms its cache). OpenAI servers would generate.
WARMABLE_BACKENDS = frozenset({"local", "llamacpp"})
# Documents pre-warmed at open: a restored session (or `nvim *.py`) opens many at once, each a
# prompt's prefill and a KV cache; the user types in one, and `qwen/didFocus` names it.
OPEN_PREWARMS = 4


def can_prewarm(backend: str) -> bool:
    return backend in WARMABLE_BACKENDS


@dataclass(frozen=True, slots=True)
class State:
    """A document at a cursor as its prompt sees it: the cursor's offset (code points), how
    much text follows, and the text within `window` characters either side (`text_window`:
    all that a prompt there reads). No state holds a whole text, so keeping, comparing and
    accepting one costs the same in a 10 MB document as in a small one."""

    offset: int
    after_len: int
    before: str  # the `window` characters before the cursor (fewer near the start)
    after: str  # ...and after it
    row: int  # the row `before` starts on
    window: int

    @classmethod
    def of(
        cls, request: CompletionRequest, window: int, row_of: Callable[[int], int] | None = None
    ) -> State:
        """`request`'s cursor (its text a window at least `window` either side of the cursor
        where there is as much); `row_of(offset)` in the whole text saves counting rows."""
        text, offset = request.text, request.offset
        start = max(0, offset - window)
        if row_of is not None:
            row = row_of(request.base + start)
        else:
            row = request.base_row + text.count("\n", 0, start)
        after = text[offset : offset + window]
        return cls(request.cursor, request.after_len, text[start:offset], after, row, window)

    def accepting(self, suggestion: str) -> State:
        """The state after `suggestion` is accepted here: inserted, the cursor at its end."""
        joined = self.before + suggestion
        cut = max(0, len(joined) - self.window)
        row = self.row + joined.count("\n", 0, cut)
        return replace(self, offset=self.offset + len(suggestion), before=joined[cut:], row=row)

    def leads_to(self, later: State) -> bool:
        """Typing at the cursor, and nothing else, turns this state into `later` (as far as
        the windows show: lengths, and the text near the cursor)."""
        typed = later.offset - self.offset
        if typed < 0 or (later.after_len, later.after) != (self.after_len, self.after):
            return False
        kept = len(later.before) - typed  # later's window before what was typed
        if kept < 0 or (kept == 0 and self.offset > 0) or later.window != self.window:
            return False  # typed past the window: nothing left to compare
        return later.before[:kept] == self.before[len(self.before) - kept :]

    def request(self, snapshot: CompletionRequest) -> CompletionRequest:
        """The completion request at this state of `snapshot`'s document: its window."""
        return replace(
            snapshot,
            text=self.before + self.after,
            offset=len(self.before),
            base=self.offset - len(self.before),
            base_row=self.row,
            length=self.offset + self.after_len,
            revision=-1,  # a text of its own, not the document's
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
        self._running: dict[str, H] = {}  # work that has begun generating (no longer queued)
        self._kept: deque[str] = deque(maxlen=remembered)  # suggestions computed ahead

    def kept(self, key: str) -> None:
        """Suggestion `key` was computed ahead and kept for its state."""
        self._kept.append(key)

    def computed_ahead(self, key: str) -> bool:
        return bool(key) and key in self._kept

    def generating(self, document: str, handle: H) -> None:
        """`handle`'s work has begun generating: a request for its state waits for it."""
        self._running[document] = handle

    def running(self, document: str) -> bool:
        """The document's work has begun generating (waiting for it beats asking anew)."""
        entry = self._work.get(document)
        return entry is not None and self._running.get(document) is entry[1]

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
        self._running.pop(document, None)
        entry = self._work.pop(document, None)
        return entry[1] if entry else None
