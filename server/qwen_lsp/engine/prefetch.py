"""Model work done before anyone asks for it, at background priority.

Pre-warm: when a document is opened or comes to the front, its completion prompt at the cursor
is prefilled into the document's KV cache (max_tokens 0), so the first keystroke reuses it.
Next suggestion (llama.vim's idea): after a suggestion is served, the one that would follow its
acceptance is computed and kept in the typing cache, so Tab shows the next ghost text at once.
Next keys: the suggestions after the keys the model finds likeliest next (its first step names
them), so a pause after typing one of them shows its ghost text at once.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from cachetools import LRUCache

from .completion import CompletionRequest

H = TypeVar("H")  # a handle on work in flight (the server's task)

# Backends where a prompt can be prefilled without generating: the local worker, and llama.cpp
# (`/infill` with n_predict 0, as llama.vim warms its cache). OpenAI servers would generate.
WARMABLE_BACKENDS = frozenset({"local", "llamacpp"})
# Documents pre-warmed at open: a restored session (or `nvim *.py`) opens many at once, each a
# prompt's prefill and a KV cache; the user types in one, and `qwen/didFocus` names it.
OPEN_PREWARMS = 4
# A next key is computed ahead only where the model gives it at least this probability: a
# model unsure of the next key (or a random one) costs no work.
MIN_KEY_PROBABILITY = 0.1
NEXT = "next"  # the slot of the next suggestion (next keys: "key0", "key1", ...)
KEY_CHOICES = 8  # first tokens asked of the model for next keys (keys: their first characters)


class Choice(Protocol):
    """One of the model's likeliest first tokens (messages.FirstChoice)."""

    @property
    def text(self) -> str: ...

    @property
    def probability(self) -> float: ...


def likely_keys(choices: Iterable[Choice], shown: str, count: int) -> list[str]:
    """The next keys worth a suggestion computed ahead, likeliest first: each token's first
    character (the chance of a key is that of the tokens it begins), at least
    MIN_KEY_PROBABILITY, not a line break (the editor indents after it) and not what the shown
    suggestion begins with (typing through it already answers that key)."""
    chance: dict[str, float] = {}
    for choice in choices:
        key = choice.text[:1]
        if key and key not in "\r\n" and key != shown[:1]:
            chance[key] = chance.get(key, 0.0) + choice.probability
    ranked = sorted(chance.items(), key=lambda item: -item[1])
    return [key for key, p in ranked if p >= MIN_KEY_PROBABILITY][:count]


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
    """Per document, the work computing suggestions ahead, by slot (the next suggestion, each
    next key): for which state, and its handle."""

    def __init__(self, remembered: int = 256) -> None:
        self._work: dict[str, dict[str, tuple[State, H]]] = {}
        self._running: set[H] = set()  # work that has begun generating (no longer queued)
        # suggestion key -> (the slot it was computed in, the model's likeliest next keys there)
        self._kept: OrderedDict[str, tuple[str, tuple[Choice, ...]]] = OrderedDict()
        self._remembered = remembered

    def kept(self, key: str, slot: str = NEXT, choices: Iterable[Choice] = ()) -> None:
        """Suggestion `key` was computed ahead (in `slot`) and kept for its state, with the
        model's first choices there (the next keys after it)."""
        self._kept[key] = (slot, tuple(choices))
        self._kept.move_to_end(key)
        while len(self._kept) > self._remembered:
            self._kept.popitem(last=False)

    def computed_ahead(self, key: str) -> str | None:
        """The slot suggestion `key` was computed ahead in (None: it was not)."""
        kept = self._kept.get(key) if key else None
        return kept[0] if kept else None

    def choices_after(self, key: str) -> tuple[Choice, ...]:
        """The model's first choices after suggestion `key` computed ahead (none: unknown)."""
        kept = self._kept.get(key) if key else None
        return kept[1] if kept else ()

    def generating(self, handle: H) -> None:
        """`handle`'s work has begun generating: a request for its state waits for it."""
        self._running.add(handle)

    def running(self, handle: H) -> bool:
        """The work has begun generating (waiting for it beats asking anew)."""
        return handle in self._running

    def working_on(self, document: str, state: State) -> bool:
        """Work for `state` is under way (in any slot)."""
        return any(held == state for held, _ in self._work.get(document, {}).values())

    def start(self, document: str, state: State, handle: H, slot: str = NEXT) -> H | None:
        """Record new work; returns the handle it supersedes in its slot (to cancel)."""
        slots = self._work.setdefault(document, {})
        previous = slots.pop(slot, None)
        slots[slot] = (state, handle)
        return previous[1] if previous else None

    def settle(self, document: str, now: State) -> tuple[H | None, str, list[H]]:
        """A request for `now` came: (work to wait for, its slot, work to cancel).

        Work made for `now` is waited for; work that typing on from `now` may still reach (the
        user is typing the suggestion through) is kept; anything else the user left: cancel it.
        """
        wait, waited_slot, cancel = None, "", []
        slots = self._work.get(document, {})
        for slot, (state, handle) in list(slots.items()):
            if state == now and wait is None:
                wait, waited_slot = handle, slot
            elif not now.leads_to(state):
                del slots[slot]
                cancel.append(handle)
        return wait, waited_slot, cancel

    def finished(self, document: str, handle: H) -> None:
        self._running.discard(handle)
        slots = self._work.get(document, {})
        for slot, (_, held) in list(slots.items()):
            if held is handle:
                del slots[slot]

    def forget(self, document: str) -> list[H]:
        slots = self._work.pop(document, {})
        for _, handle in slots.values():
            self._running.discard(handle)
        return [handle for _, handle in slots.values()]
