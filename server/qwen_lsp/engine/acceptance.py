"""Acceptance figures: of the suggestions shown, how many the user kept, whole or in part.

Events follow Copilot's language server: a suggestion is shown, accepted (its item's command),
or partly accepted (`acceptedLength`, UTF-16 units from the start of the item's text); typing a
suggestion out by hand counts too. Lengths are UTF-16 code units, as the protocol counts them.
A suggestion's figures derive from its state, so each event adds only the difference it makes.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

HOUR_S = 3600.0
TOTAL = "total"
SINGLE_LINE, MULTI_LINE = "lines:single", "lines:multi"
LANGUAGE = "language:"


class Counts(msgspec.Struct, omit_defaults=True):
    shown: int = 0
    accepted: int = 0
    partly_accepted: int = 0
    shown_chars: int = 0
    kept_chars: int = 0

    def add(self, other: Counts, sign: int = 1) -> None:
        for name in self.__struct_fields__:
            setattr(self, name, getattr(self, name) + sign * getattr(other, name))

    def report(self) -> dict:
        kept = self.accepted + self.partly_accepted
        return {
            "shown": self.shown,
            "accepted": self.accepted,
            "partly_accepted": self.partly_accepted,
            "shown_chars": self.shown_chars,
            "kept_chars": self.kept_chars,
            "acceptance_rate": _ratio(kept, self.shown),
            "kept_chars_rate": _ratio(self.kept_chars, self.shown_chars),
        }


class SavedFigures(msgspec.Struct):
    """The state file: lifetime counts per bucket (total, language:<id>, lines:single/multi)."""

    version: int = 1
    buckets: dict[str, Counts] = {}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class _Suggestion:
    text: str
    language: str
    shown_at: float | None = None
    kept: int = 0  # UTF-16 units from the start of `text`
    accepted: bool = False

    @property
    def buckets(self) -> tuple[str, ...]:
        lines = MULTI_LINE if "\n" in self.text.strip("\n") else SINGLE_LINE
        return (TOTAL, LANGUAGE + (self.language or "unknown"), lines)

    def counts(self) -> Counts:
        if self.shown_at is None:
            return Counts()
        size = utf16_len(self.text)
        return Counts(
            shown=1,
            accepted=int(self.accepted),
            partly_accepted=int(self.kept > 0 and not self.accepted),
            shown_chars=size,
            kept_chars=size if self.accepted else self.kept,
        )


class AcceptanceLog:
    """Suggestions served recently, their fate, and lifetime counts (with those not yet saved)."""

    def __init__(self, clock: Callable[[], float] = time.time, keep: int = 4096) -> None:
        self._clock = clock
        self._keep = keep
        self._suggestions: OrderedDict[str, _Suggestion] = OrderedDict()
        self.totals: dict[str, Counts] = {}
        self.unsaved: dict[str, Counts] = {}

    def suggest(self, language: str, text: str) -> str:
        """Record a suggestion the model made; returns its id."""
        key = uuid.uuid4().hex[:12]
        self._suggestions[key] = _Suggestion(text, language)
        while len(self._suggestions) > self._keep:
            self._suggestions.popitem(last=False)
        return key

    def item_id(self, key: str, typed: int = 0) -> str:
        """The id of an item serving `key` after its first `typed` characters were typed."""
        suggestion = self._suggestions.get(key)
        offset = utf16_len(suggestion.text[:typed]) if suggestion else 0
        return f"{key}+{offset}"

    def shown(self, item_id: str) -> bool:
        return self._change(item_id, lambda s, offset: None)

    def accepted(self, item_id: str) -> bool:
        return self._change(item_id, lambda s, offset: setattr(s, "accepted", True))

    def partly_accepted(self, item_id: str, accepted_length: int) -> bool:
        """`accepted_length`: UTF-16 units from the start of the item's text (Copilot's)."""

        def keep(s: _Suggestion, offset: int) -> None:
            s.kept = min(utf16_len(s.text), max(s.kept, offset + max(0, accepted_length)))
            s.accepted = s.accepted or _rest_is_blank(s.text, s.kept)

        return self._change(item_id, keep)

    def typed(self, key: str, typed: int) -> bool:
        """The user typed the first `typed` characters of a suggestion that was shown."""
        suggestion = self._suggestions.get(key)
        if suggestion is None or suggestion.shown_at is None or typed <= 0:
            return False  # never on screen: typing it was not taking a suggestion
        return self.partly_accepted(f"{key}+0", utf16_len(suggestion.text[:typed]))

    def report(self) -> dict:
        """Lifetime figures per bucket, and this server's suggestions shown in the last hour."""
        totals = self.totals.get(TOTAL, Counts())
        languages = {
            name.removeprefix(LANGUAGE): counts.report()
            for name, counts in sorted(self.totals.items())
            if name.startswith(LANGUAGE)
        }
        since = self._clock() - HOUR_S
        last_hour = Counts()
        for suggestion in self._suggestions.values():
            if suggestion.shown_at is not None and suggestion.shown_at >= since:
                last_hour.add(suggestion.counts())
        return {
            **totals.report(),
            "by_language": languages,
            "single_line": self.totals.get(SINGLE_LINE, Counts()).report(),
            "multi_line": self.totals.get(MULTI_LINE, Counts()).report(),
            "last_hour": last_hour.report(),
        }

    def take_unsaved(self) -> dict[str, Counts]:
        unsaved, self.unsaved = self.unsaved, {}
        return unsaved

    def adopt(self, saved: dict[str, Counts]) -> None:
        """Lifetime counts as saved (other editor windows' included), plus what is unsaved."""
        self.totals = merged(saved, self.unsaved)

    def _change(self, item_id: str, change: Callable[[_Suggestion, int], None]) -> bool:
        key, _, offset = item_id.partition("+")
        suggestion = self._suggestions.get(key)
        if suggestion is None or not offset.isdigit():
            return False  # from before a restart, or not ours: nothing to count
        before = suggestion.counts()
        if suggestion.shown_at is None:
            suggestion.shown_at = self._clock()  # an accepted suggestion was on screen
        change(suggestion, int(offset))
        delta = suggestion.counts()
        delta.add(before, -1)
        for name in suggestion.buckets:
            for figures in (self.totals, self.unsaved):
                figures.setdefault(name, Counts()).add(delta)
        return True


def merged(saved: dict[str, Counts], unsaved: dict[str, Counts]) -> dict[str, Counts]:
    """Counts on disk plus this server's unsaved ones (several servers share the file)."""
    out = {name: Counts(**msgspec.structs.asdict(c)) for name, c in saved.items()}
    for name, counts in unsaved.items():
        out.setdefault(name, Counts()).add(counts)
    return out


def _rest_is_blank(text: str, kept_units: int) -> bool:
    return not text.encode("utf-16-le")[kept_units * 2 :].decode("utf-16-le", "ignore").strip()


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
