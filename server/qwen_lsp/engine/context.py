"""Repository context for FIM prompts: other open files, recent chunks, definitions in use.

Everything here lands in the prompt before the current file (`<|file_sep|>` sections), where a
change invalidates the KV cache for the whole file after it. So each document's repository
section is a snapshot, kept while the user types around one place and rebuilt ("rotated") only
when the cursor has moved on by half a chunk: chunks and definitions noted meanwhile wait for
that rotation, which is also the only time the ring drops similar or old chunks. A switch back
to a document keeps its sections (its warm KV cache holds them) wherever its cursor lands.
Nothing here scans a whole document per keystroke: definitions are looked up in indexes made
elsewhere (off the event loop, `indexed`), once per document version; a document without one is
skipped and listed in `unindexed`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .definitions import spans
from .fim import RepoFile
from .grammars import language_for

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


def chunk_around(all_lines: Sequence[str], line: int, lines: int) -> tuple[int, str]:
    """(first line, text) of about `lines` lines centred on `line`; `all_lines` as
    `text.split("\\n")` has them (a document's `lines()` reads only those asked for)."""
    first = max(0, min(line - lines // 2, len(all_lines) - lines))
    return first, "\n".join(all_lines[first : first + lines])


NAMES_ABOVE, NAMES_BELOW = 8, 4  # lines around the cursor's whose names are looked up


def lines_near(lines: Sequence[str], row: int) -> tuple[str, int]:
    """(text, offset) for which `names_near` gives the names it gives for the whole text at
    row `row` (`lines` as `text.split("\\n")`): only those lines, the cursor's left empty."""
    first = max(0, row - NAMES_ABOVE)
    above, below = lines[first:row], lines[row + 1 : row + 1 + NAMES_BELOW]
    offset = sum(len(line) + 1 for line in above)
    return "\n".join([*above, "", *below]), offset


def names_near(
    text: str, offset: int, above: int = NAMES_ABOVE, below: int = NAMES_BELOW
) -> list[str]:
    """Identifiers on the lines around the cursor's line (not on it: it changes per keystroke)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    line_end = len(text) if line_end < 0 else line_end
    first = line_start
    for _ in range(above):  # a window of lines, never a split of the whole text
        if first == 0:
            break
        first = text.rfind("\n", 0, first - 1) + 1
    last = line_end
    for _ in range(below):
        found = text.find("\n", last + 1)
        last = len(text) if found < 0 else found
    seen: dict[str, None] = {}
    for name in NAME.findall(text[first:line_start] + "\n" + text[line_end:last]):
        if name.lower() not in _KEYWORDS:
            seen.setdefault(name, None)
    return list(seen)


def definition_index(path: str, text: str) -> Mapping[str, tuple[int, int]]:
    """Name → (first, last) line of its first definition in the file at `path`."""
    return spans(language_for(path), text)


def find_definition(path: str, text: str, name: str, max_lines: int) -> str | None:
    """The first `max_lines` lines of the definition of `name` in the file at `path`, or None
    (also for languages without a tree-sitter grammar: their definitions are not looked up)."""
    return _lines_of(text, spans(language_for(path), text).get(name), max_lines)


def _lines_of(text: str, span: tuple[int, int] | None, max_lines: int) -> str | None:
    if span is None:
        return None
    first, last = span
    return "\n".join(text.split("\n")[first : min(last + 1, first + max_lines)]).rstrip()


@dataclass(frozen=True, slots=True)
class _Snapshot:
    line: int
    budget: int
    files: tuple[RepoFile, ...]


class RepoContext:
    """Open documents in opening order plus a ring of chunks; renders `RepoFile` sections."""

    def __init__(self, max_chunks: int = 16, chunk_lines: int = 32, head_lines: int = 24) -> None:
        self.max_chunks = max_chunks
        self.chunk_lines = chunk_lines
        self.head_lines = head_lines
        self.rotations = 0
        self._open: dict[str, None] = {}
        self._chunks: list[Chunk] = []  # in the prompts (as of the last rotation)
        self._pending: list[Chunk] = []  # noted since: they join at the next rotation
        self._keys: set[str] = set()  # keys of both, so nothing is noted twice
        self._last_edit: dict[str, int] = {}
        # per open path: the text indexed and its definitions' spans (current while it `is` the
        # document's text)
        self._index: dict[str, tuple[str, Mapping[str, tuple[int, int]]]] = {}
        self.unindexed: set[str] = set()  # open paths a lookup skipped for want of an index
        self.indexing: str | None = None  # the path being indexed now (by the server)
        self._looked_up: dict[str, set[str]] = {}  # names near each path's cursor, already done
        self._snapshots: dict[str, _Snapshot] = {}
        self._focus: str | None = None  # the path of the last prompt

    # --- events -------------------------------------------------------------------------

    def opened(self, path: str) -> None:
        """A document opened (its definitions are looked up once `indexed` has them)."""
        self._open.setdefault(path, None)
        self.unindexed.add(path)

    def indexed(self, path: str, text: str, index: Mapping[str, tuple[int, int]]) -> None:
        """The definitions of `path` as of `text` (made off the event loop): names near each
        cursor are looked up in them at the next keystroke."""
        if path in self._open:
            self._index[path] = (text, index)
            self.unindexed.discard(path)
            self._forget_lookups(path)

    def closed(self, path: str) -> None:
        self._open.pop(path, None)
        self._last_edit.pop(path, None)
        self._index.pop(path, None)
        self.unindexed.discard(path)
        self._looked_up.pop(path, None)
        self._snapshots.pop(path, None)

    def edited(self, path: str, lines: Sequence[str], line: int) -> None:
        """An edit at `line` of `lines` (read only when the user moves on to another place:
        then the old one is kept)."""
        previous = self._last_edit.get(path)
        self._last_edit[path] = line
        self._index.pop(path, None)
        self._forget_lookups(path)
        if previous is not None and abs(previous - line) > self.chunk_lines // 2:
            self.add_chunk(path, lines, previous)

    def saved(self, path: str, lines: Sequence[str]) -> None:
        line = self._last_edit.get(path)
        if line is not None:
            self.add_chunk(path, lines, line)

    def add_chunk(self, path: str, lines: Sequence[str], line: int) -> None:
        first, body = chunk_around(lines, line, self.chunk_lines)
        if body.strip():
            self._note(Chunk(path, body, f"{path}:{first}"))

    def note_definitions(
        self, path: str, text: str, offset: int, documents: Mapping[str, str], max_lines: int = 16
    ) -> None:
        """Note definitions, found in other open documents' indexes, of names used around the
        cursor; documents without a current index are skipped and listed in `unindexed`."""
        done = self._looked_up.setdefault(path, set())
        names = [name for name in names_near(text, offset) if name not in done]
        if not names:
            return  # typing on: the same names, already looked up in the same texts
        done.update(names)
        indexes = []
        for other in self._open:
            if other == path or other not in documents:
                continue
            entry = self._index.get(other)
            if entry is None or entry[0] is not documents[other]:
                self.unindexed.add(other)  # its text changed (or never indexed): wait for one
            else:
                indexes.append((other, *entry))
        for name in names:
            for other, indexed_text, index in indexes:
                key = f"def:{other}:{name}"
                if name in index and key not in self._keys:
                    definition = _lines_of(indexed_text, index[name], max_lines)
                    if definition:
                        self._note(Chunk(other, definition, key))

    def _note(self, chunk: Chunk) -> None:
        """Queue `chunk` for the next rotation (a newer one of the same place replaces it)."""
        kept = [c for c in self._pending if c.key != chunk.key]
        self._pending = [*kept, chunk][-self.max_chunks :]
        self._keys.add(chunk.key)

    def _forget_lookups(self, changed: str) -> None:
        """Another document changed: names near each cursor must be looked up in it again."""
        for path, done in self._looked_up.items():
            if path != changed:
                done.clear()

    # --- the prompt's repository section ------------------------------------------------

    def files_for(
        self, path: str, line: int, documents: Mapping[str, str], budget_chars: int
    ) -> tuple[RepoFile, ...]:
        """Sections for a prompt at `line` of `path`: the same as the last prompt's while the
        cursor stays within half a chunk of where they were made, else rotated. Back from
        another file, the document's last sections are kept wherever its cursor is: its warm
        KV cache holds them (a switch is not a move on)."""
        snapshot, switched = self._snapshots.get(path), path != self._focus
        self._focus = path
        if snapshot is not None and snapshot.budget == budget_chars:
            if switched:
                self._snapshots[path] = _Snapshot(line, budget_chars, snapshot.files)
                return snapshot.files
            if abs(line - snapshot.line) <= self.chunk_lines // 2:
                return snapshot.files
        self._rotate()
        files = self._render(path, documents, budget_chars)
        self._snapshots[path] = _Snapshot(line, budget_chars, files)
        return files

    def _rotate(self) -> None:
        """Take in what was noted: similar chunks are replaced, the oldest fall off the ring."""
        if not self._pending:
            return
        self.rotations += 1
        for chunk in self._pending:
            kept = [c for c in self._chunks if similarity(c.text, chunk.text) <= SIMILAR]
            self._chunks = [*kept, chunk][-self.max_chunks :]
        self._pending = []
        self._keys = {chunk.key for chunk in self._chunks}

    def _render(
        self, path: str, documents: Mapping[str, str], budget_chars: int
    ) -> tuple[RepoFile, ...]:
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
                head = _head(documents[other], self.head_lines).rstrip()
                if head:
                    yield RepoFile(other, head)
        for chunk in self._chunks:
            if chunk.path != path:
                yield RepoFile(chunk.path, chunk.text)


def _head(text: str, lines: int) -> str:
    end = -1
    for _ in range(lines):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[:end]
