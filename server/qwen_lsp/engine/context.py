"""Repository context for FIM prompts: other open files, recent chunks, definitions in use.

Everything here lands in the prompt before the current file (`<|file_sep|>` sections), where a
change invalidates the KV cache for all that follows. So the order is append-only: open files
in the order they were opened, then a ring of chunks in the order they were noted. Nothing
changes per keystroke: chunks are noted on edits that move elsewhere, on open and on save, and
definitions only for names on the lines around the cursor, not the line being typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .definitions import spans
from .fim import RepoFile
from .syntax import language_for

SIMILAR = 0.9  # llama.vim's threshold: a chunk this similar to a new one is replaced by it
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_KEYWORD_WORDS = """and as break class const continue def elif else end except false for from func
function if import in is let local nil none not null or pass return self super this true type
var while with"""
_KEYWORDS = frozenset(_KEYWORD_WORDS.split())


@dataclass(frozen=True, slots=True)
class Chunk:
    path: str
    text: str
    key: str  # what the chunk is about: "path:line" for edits, "def:path:name" for definitions


def _line_set(text: str) -> frozenset[str]:
    return frozenset(line.strip() for line in text.split("\n") if line.strip())


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' sets of non-blank lines."""
    left, right = _line_set(a), _line_set(b)
    union = left | right
    return len(left & right) / len(union) if union else 1.0


def chunk_around(text: str, line: int, lines: int) -> tuple[int, str]:
    """(first line, text) of about `lines` lines centred on `line`."""
    all_lines = text.split("\n")
    first = max(0, min(line - lines // 2, len(all_lines) - lines))
    return first, "\n".join(all_lines[first : first + lines])


def names_near(text: str, offset: int, above: int = 8, below: int = 4) -> list[str]:
    """Identifiers on the lines around the cursor's line (not on it: it changes per keystroke)."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    end = len(text) if end < 0 else end
    before = text[:start].split("\n")[-above - 1 :]
    after = text[end:].split("\n")[: below + 1]
    seen: dict[str, None] = {}
    for line in [*before, *after]:
        for name in NAME.findall(line):
            if name.lower() not in _KEYWORDS:
                seen.setdefault(name, None)
    return list(seen)


def find_definition(path: str, text: str, name: str, max_lines: int) -> str | None:
    """The first `max_lines` lines of the definition of `name` in the file at `path`, or None
    (also for languages without a tree-sitter grammar: their definitions are not looked up)."""
    span = spans(language_for(path), text).get(name)
    if span is None:
        return None
    first, last = span
    return "\n".join(text.split("\n")[first : min(last + 1, first + max_lines)]).rstrip()


class RepoContext:
    """Open documents in opening order plus a ring of chunks; renders `RepoFile` sections."""

    def __init__(self, max_chunks: int = 16, chunk_lines: int = 32, head_lines: int = 24) -> None:
        self.max_chunks = max_chunks
        self.chunk_lines = chunk_lines
        self.head_lines = head_lines
        self._open: dict[str, None] = {}
        self._chunks: list[Chunk] = []
        self._last_edit: dict[str, int] = {}

    # --- events -------------------------------------------------------------------------

    def opened(self, path: str) -> None:
        self._open.setdefault(path, None)

    def closed(self, path: str) -> None:
        self._open.pop(path, None)
        self._last_edit.pop(path, None)

    def edited(self, path: str, text: str, line: int) -> None:
        """An edit at `line`: when the user moves on to another place, keep the old one."""
        previous = self._last_edit.get(path)
        self._last_edit[path] = line
        if previous is not None and abs(previous - line) > self.chunk_lines // 2:
            self.add_chunk(path, text, previous)

    def saved(self, path: str, text: str) -> None:
        line = self._last_edit.get(path)
        if line is not None:
            self.add_chunk(path, text, line)

    def add_chunk(self, path: str, text: str, line: int) -> None:
        first, body = chunk_around(text, line, self.chunk_lines)
        if body.strip():
            self._add(Chunk(path, body, f"{path}:{first}"))

    def note_definitions(
        self, path: str, text: str, offset: int, documents: Mapping[str, str], max_lines: int = 16
    ) -> None:
        """Add definitions, found in other open documents, of names used around the cursor."""
        known = {chunk.key for chunk in self._chunks}
        for name in names_near(text, offset):
            for other in self._open:
                key = f"def:{other}:{name}"
                if other == path or key in known or other not in documents:
                    continue
                definition = find_definition(other, documents[other], name, max_lines)
                if definition:
                    self._add(Chunk(other, definition, key))
                    known.add(key)

    def _add(self, chunk: Chunk) -> None:
        kept = [c for c in self._chunks if similarity(c.text, chunk.text) <= SIMILAR]
        self._chunks = [*kept, chunk][-self.max_chunks :]

    # --- the prompt's repository section ------------------------------------------------

    def files_for(
        self, path: str, documents: Mapping[str, str], budget_chars: int
    ) -> tuple[RepoFile, ...]:
        """Sections for a prompt in `path`, in a stable order, within `budget_chars`."""
        out: list[RepoFile] = []
        used = 0
        for section in self._sections(path, documents):
            size = len(section.path) + len(section.text) + 16
            if used + size > budget_chars:
                break  # later sections are the newest: dropping them keeps the prefix stable
            out.append(section)
            used += size
        return tuple(out)

    def _sections(self, path: str, documents: Mapping[str, str]) -> Iterable[RepoFile]:
        for other in self._open:
            if other != path and other in documents:
                head = "\n".join(documents[other].split("\n")[: self.head_lines]).rstrip()
                if head:
                    yield RepoFile(other, head)
        for chunk in self._chunks:
            if chunk.path != path:
                yield RepoFile(chunk.path, chunk.text)
