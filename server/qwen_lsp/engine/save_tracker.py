"""Docs on save: which definitions changed since the last save and still lack documentation."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from qwen_lsp.engine.definitions import Definition, definitions


def changed_lines(old: str, new: str) -> list[tuple[int, int]]:
    """Line ranges (0-based inclusive, in `new`) that differ from `old`."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    out = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append((j1, max(j1, j2 - 1)))
    return out


def targets(
    language: str,
    text: str,
    regions: Iterable[tuple[int, int]] | None,
    pending: Iterable[str] = (),
    limit: int = 8,
) -> list[Definition]:
    """Undocumented definitions touching `regions` (None: the whole file) or named in `pending`
    (qualnames left over from an earlier save), at most `limit`, in source order.

    A change inside a method touches the method, not its class; Python's dunder methods are
    left alone (their class documents them)."""
    defs = definitions(language, text)
    changed = None if regions is None else {i for a, b in regions for i in range(a, b + 1)}
    keep = set(pending)
    out = []
    for d in defs:
        if d.documented or (d.name.startswith("__") and d.name.endswith("__")):
            continue
        if d.qualname in keep or changed is None or _own_lines(d, defs) & changed:
            out.append(d)
    return out[:limit]


def _own_lines(d: Definition, defs: list[Definition]) -> set[int]:
    """The lines of `d` outside the definitions nested in it (doc comment lines included)."""
    lines = set(
        range(d.insert_line if d.insert_line < d.start_line else d.start_line, d.end_line + 1)
    )
    for inner in defs:
        if inner is not d and d.start_line < inner.start_line and inner.end_line <= d.end_line:
            lines -= set(range(min(inner.start_line, inner.insert_line), inner.end_line + 1))
    return lines


class SaveTracker:
    """Per document: the text at the last save, and the definitions still owed documentation.

    A definition stays owed until its documentation is applied, so a run dropped because the
    user typed, cut short by the cap, or cancelled is retried on the next save.
    """

    def __init__(self) -> None:
        self._saved: dict[str, str] = {}
        self._owed: dict[str, set[str]] = {}

    def opened(self, uri: str, text: str) -> None:
        self._saved.setdefault(uri, text)

    def closed(self, uri: str) -> None:
        self._saved.pop(uri, None)
        self._owed.pop(uri, None)

    def plan(self, uri: str, language: str, text: str, limit: int) -> list[Definition]:
        """The definitions to document for this save (changed since the last one, or owed)."""
        regions = changed_lines(self._saved.get(uri, text), text)
        self._saved[uri] = text
        found = targets(language, text, regions, self._owed.get(uri, ()), limit=1 << 30)
        self._owed[uri] = {d.qualname for d in found}
        return found[:limit]

    def plan_all(self, uri: str, language: str, text: str, limit: int) -> list[Definition]:
        """Every undocumented definition of the file (the on-demand command)."""
        found = targets(language, text, None, limit=1 << 30)
        self._owed[uri] = self._owed.get(uri, set()) | {d.qualname for d in found}
        return found[:limit]

    def done(self, uri: str, qualnames: Iterable[str]) -> None:
        self._owed.get(uri, set()).difference_update(qualnames)

    def owed(self, uri: str) -> set[str]:
        return set(self._owed.get(uri, ()))
