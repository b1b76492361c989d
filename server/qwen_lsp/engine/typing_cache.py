"""Answers without the model: typing through a suggestion, and repeats of an earlier request.

Typing-through: while the user types the characters a suggestion starts with, the rest of that
suggestion is still the answer (llama.vim, Tabby and Continue all do this). Exact reuse: the same
(document, text before, text after) gets the same answer, e.g. after an undo.
"""

from __future__ import annotations

from dataclasses import dataclass

from cachetools import LRUCache

from .completion import CompletionRequest

ANCHOR_CHARS = 256  # characters either side of the cursor that identify where a suggestion was


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Where a suggestion was made, cheap to compare: lengths plus text near the cursor."""

    before_len: int
    before_tail: str
    after_len: int
    after_head: str

    @classmethod
    def at(cls, before: str, after: str) -> _Anchor:
        return cls(len(before), before[-ANCHOR_CHARS:], len(after), after[:ANCHOR_CHARS])

    @classmethod
    def near(cls, offset: int, before: str, after_len: int, after: str) -> _Anchor:
        """The anchor of a cursor at `offset`, `after_len` characters before the end, between
        `before` and `after` (text near it: at least ANCHOR_CHARS each side where there are)."""
        return cls(offset, before[-ANCHOR_CHARS:], after_len, after[:ANCHOR_CHARS])


@dataclass(frozen=True, slots=True)
class _Suggestion:
    anchor: _Anchor
    text: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Hit:
    """What is left of suggestion `key` after its first `typed` characters were typed."""

    rest: str
    key: str
    typed: int


class TypingCache:
    """Per-document recent suggestions (scanned back for typing-through) and exact reuse."""

    def __init__(self, documents: int = 64, per_document: int = 8, exact: int = 512) -> None:
        self._recent: LRUCache[str, list[_Suggestion]] = LRUCache(maxsize=documents)
        self._exact: LRUCache[tuple[str, _Anchor], _Suggestion] = LRUCache(maxsize=exact)
        self._per_document = per_document

    def remember(self, document: str, before: str, after: str, text: str, key: str = "") -> None:
        """Record suggestion `key` shown for a cursor between `before` and `after`."""
        self._remember(document, _Anchor.at(before, after), text, key)

    def remember_near(
        self,
        document: str,
        offset: int,
        before: str,
        after_len: int,
        after: str,
        shown: str,
        key: str,
    ) -> None:
        """`remember` for a cursor known by its offset and the text near it (`_Anchor.near`)."""
        self._remember(document, _Anchor.near(offset, before, after_len, after), shown, key)

    def _remember(self, document: str, anchor: _Anchor, text: str, key: str) -> None:
        if not text:
            return
        suggestion = _Suggestion(anchor, text, key)
        self._exact[(document, anchor)] = suggestion
        recent = [s for s in self._recent.get(document, []) if s.anchor != anchor]
        self._recent[document] = [suggestion, *recent][: self._per_document]

    def lookup(self, document: str, before: str, after: str) -> str | None:
        """The rest of a suggestion the user is typing through, or an exact earlier answer."""
        hit = self.find(document, before, after)
        return hit.rest if hit is not None and hit.rest.strip() else None

    def find(self, document: str, before: str, after: str) -> Hit | None:
        """Like `lookup`, naming the suggestion; also a suggestion typed out to its end
        (rest blank), which is no answer but was taken by the user."""
        return self._find(document, before, _Anchor.at(before, after))

    def find_near(
        self, document: str, offset: int, before: str, after_len: int, after: str
    ) -> Hit | None:
        """`find` for a cursor known by its offset and the text near it (`_Anchor.near`; at
        least 2 * ANCHOR_CHARS before it, what _typed_through reads)."""
        anchor = _Anchor.near(offset, before, after_len, after)
        return self._find(document, before[-2 * ANCHOR_CHARS :], anchor)

    def _find(self, document: str, before: str, anchor: _Anchor) -> Hit | None:
        exact = self._exact.get((document, anchor))
        if exact is not None:
            return Hit(exact.text, exact.key, 0)
        typed_out = None
        for suggestion in self._recent.get(document, []):
            typed = _typed_through(suggestion, before, anchor)
            if not typed:
                continue
            hit = Hit(suggestion.text[typed:], suggestion.key, typed)
            if hit.rest.strip():
                return hit
            typed_out = typed_out or hit
        return typed_out

    def forget(self, document: str) -> None:
        """Drop a closed document's suggestions."""
        self._recent.pop(document, None)
        for key in [k for k in self._exact if k[0] == document]:
            del self._exact[key]


def near(request: CompletionRequest) -> tuple[int, str, int, str]:
    """What the typing cache reads around `request`'s cursor (`find_near`, `remember_near`)."""
    text, offset = request.text, request.offset
    before = text[max(0, offset - 2 * ANCHOR_CHARS) : offset]
    return request.cursor, before, request.after_len, text[offset : offset + ANCHOR_CHARS]


def _typed_through(suggestion: _Suggestion, before: str, anchor: _Anchor) -> int | None:
    """How much of `suggestion` the text typed since it was made is, if it is its beginning."""
    old = suggestion.anchor
    typed = anchor.before_len - old.before_len
    if not 0 < typed <= len(suggestion.text) or typed > ANCHOR_CHARS:
        return None
    if (anchor.after_len, anchor.after_head) != (old.after_len, old.after_head):
        return None  # the text after the cursor changed: the suggestion may not fit any more
    if before[-typed:] != suggestion.text[:typed]:
        return None
    # The text before what was typed must be what the suggestion was made for.
    start = len(before) - typed
    if before[max(0, start - ANCHOR_CHARS) : start] != old.before_tail:
        return None
    return typed
