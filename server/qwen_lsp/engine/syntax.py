"""Tree-sitter parsing: incremental trees and syntax-error counts (languages: `grammars.py`).

A document whose language has no grammar simply has no tree; every caller falls back to line
heuristics.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Any, overload

import tree_sitter as ts

from .chunked_text import ChunkedText
from .grammars import language_for, parser_for
from .lines import LineIndex

PARSE_BUDGET_S = 0.25  # some grammars take pathologically long on garbage input: give up
# Budgets count tree-sitter's progress callbacks, not wall time, so the same text always gets
# the same answer however loaded the machine is (a wall-clock deadline made a busy machine drop
# trees, and with them code actions and the trained model's examples). ~30,000 steps are about
# one second of parsing on this project's 2-core machines (_pydecimal.py: 995 steps, 33 ms).
STEPS_PER_SECOND = 30_000
READ_CHUNK = 4096
# py-tree-sitter (0.26.1 and its main branch) never releases the object the read callback
# returns (one reference leaked per call: ~12 KB per incremental parse). The callback hands back
# one buffer per thread, refilled in place, so what leaks is a count on that one object.
# Never use `Node.text` (or query predicates) on these trees: they call the callback again and
# expect bytes (a crash on the buffer); read text from the source by byte offsets instead.
_READ_BUFFERS = threading.local()
# Text revisions, unique across documents: a window of a text knows it by its revision (a
# document closed and opened again starts anew, and must not match an old window).
_REVISIONS = itertools.count(1)


def parse_bytes(
    parser: ts.Parser,
    data: bytes,
    old_tree: ts.Tree | None = None,
    budget_s: float = PARSE_BUDGET_S,
) -> ts.Tree | None:
    """Parse within a budget of about `budget_s` seconds of parsing work (only the callback
    form of `parse` can be cancelled)."""
    steps_left = int(budget_s * STEPS_PER_SECOND)
    view = memoryview(data)
    buffer = _read_buffer()

    def read(byte: int, _point: tuple[int, int]) -> bytearray:
        # tree-sitter has let go of the previous chunk (it reads one at a time): refill it.
        buffer[:] = view[byte : byte + READ_CHUNK]
        return buffer

    def give_up(*_: object) -> bool:
        nonlocal steps_left
        steps_left -= 1
        return steps_left < 0

    try:
        if old_tree is None:
            return parser.parse(read, progress_callback=give_up)
        return parser.parse(read, old_tree, progress_callback=give_up)
    except ValueError:  # cancelled: no tree; callers fall back to text heuristics
        parser.reset()
        return None


def _read_buffer() -> bytearray:
    buffer = getattr(_READ_BUFFERS, "buffer", None)
    if buffer is None:
        buffer = _READ_BUFFERS.buffer = bytearray(READ_CHUNK)
    return buffer


def parse(language: str, text: str, budget_s: float = PARSE_BUDGET_S) -> ts.Tree | None:
    return parse_encoded(language, text.encode(), budget_s)


def parse_encoded(language: str, data: bytes, budget_s: float = PARSE_BUDGET_S) -> ts.Tree | None:
    """The tree of UTF-8 `data` (None without a grammar, or when parsing gave up)."""
    parser = parser_for(language)
    return parse_bytes(parser, data, budget_s=budget_s) if parser is not None else None


def encode(text: str, piece: int = 1 << 20) -> bytes:
    """UTF-8 of `text`, encoded a piece at a time: in a thread, each piece is one short hold of
    the GIL instead of one long one (10 MB: ~15 ms) that the event loop would wait out."""
    if len(text) <= piece:
        return text.encode()
    return b"".join([text[i : i + piece].encode() for i in range(0, len(text), piece)])


def count_errors(tree: ts.Tree | None) -> int:
    """ERROR and MISSING nodes in `tree`; walks only subtrees that contain an error."""
    if tree is None:
        return 0
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return count


def syntax_errors(language: str, text: str, budget_s: float = PARSE_BUDGET_S) -> int | None:
    """Error count of `text` parsed fresh; None without a grammar or when parsing gave up."""
    tree = parse(language, text, budget_s)
    return count_errors(tree) if tree is not None else None


def parses_cleanly(language: str, text: str) -> bool:
    """True when tree-sitter finds no syntax error in `text`."""
    return syntax_errors(language_for("", language), text) == 0


class SyntaxDocument:
    """A document's text (the server's only copy of it) with its tree and its line starts.

    Edits come as LSP ranges in code points: the tree is edited in place and re-parsed
    incrementally when next asked for, so several changes before a request cost one parse. A
    parse that hits the time budget leaves no tree, and edits do not parse again from scratch
    (that would block every keystroke for the budget): `retry` does, on a deliberate occasion.
    A `lazy` document parses a new text when its tree is first asked for, unless a tree made
    elsewhere (`snapshot` → `tree_of` in a thread → `adopt`) came first.
    """

    def __init__(
        self, language: str, text: str, budget_s: float = PARSE_BUDGET_S, lazy: bool = False
    ) -> None:
        self.language = language
        self.budget_s = budget_s
        self.lazy = lazy
        self.full_parses = 0
        self.incremental_parses = 0
        self.gave_up = False
        self._parser = parser_for(language)
        self._tree: ts.Tree | None = None
        self._stale = False  # the tree was edited and needs an incremental parse
        self._unparsed = False  # a lazy document's text not parsed yet
        self._snapshot_text: str | None = None  # the unparsed text a snapshot was taken of
        self._since_snapshot: list[dict[str, Any]] | None = None  # the edits made since
        self._same_literals = True  # no edit since the last parse could open or close a literal
        self._line_index: LineIndex | None = None
        self.revision = 0  # a new number per text (no two documents share one): see _REVISIONS
        self._last_line: tuple[int, int, str] | None = None
        self.set_text(text)

    @property
    def text(self) -> str:
        return self._text.text

    @property
    def length(self) -> int:
        """The text's length in code points (no `__len__`: an empty document is still one)."""
        return len(self._text)

    def slice(self, start: int, end: int) -> str:
        """text[start:end], read from the chunks it spans (the whole text is not joined)."""
        start, end = max(0, start), min(end, len(self._text))
        return self._text.slice(start, end) if start < end else ""

    def _lines(self) -> LineIndex:
        if self._line_index is None:  # newline counts only: a block's starts when first needed
            self._line_index = LineIndex(self._text.text, read=self._text.slice)
        return self._line_index

    def structured(self) -> bool:
        """Whether the line index is made (a new text's is made when first needed)."""
        return self._line_index is not None

    def adopt_structure(self, text: str, index: LineIndex, chunks: list[str]) -> None:
        """Take `LineIndex(text)` and `chunked_text.split(text)`, made in another thread, if the
        document still has that very text (unedited: an index of its own is no better)."""
        if self._text.is_joined(text):
            self._line_index = index
            self._text.adopt(text, chunks)

    @property
    def line_count(self) -> int:
        return len(self._lines())

    def line_start(self, row: int) -> int:
        return self._lines().start(row)

    def line(self, row: int) -> str:
        """The text of `row` without its newline (the last one read is kept for this revision:
        a keystroke reads its line several times, and a 2 MB line is a join of its chunks)."""
        if (last := self._last_line) is not None and last[:2] == (self.revision, row):
            return last[2]
        start = self._lines().start(row)
        end = self._lines().start(row + 1) - 1 if row + 1 < len(self._lines()) else len(self._text)
        line = self._text.slice(start, end)
        self._last_line = (self.revision, row, line)
        return line

    def lines(self) -> Sequence[str]:
        """The lines as `text.split("\\n")` has them, each read only when asked for."""
        return _Lines(self)

    @property
    def tree(self) -> ts.Tree | None:
        if self._unparsed:
            self._unparsed, self._snapshot_text, self._since_snapshot = False, None, None
            self._tree = self._parse(None)
        if self._stale and self._tree is not None:
            self._stale = False
            self._tree = self._parse(self._tree)
        return self._tree

    def snapshot(self) -> tuple[str, ts.Tree | None, bool]:
        """(text, a copy of its tree, whether to parse: from that tree's edits, or from scratch
        without one) for another thread, where `tree_of` finishes it (trees are not
        thread-safe; a copy is cheap and shares the nodes)."""
        text = self._text.text
        tree = self._tree.copy() if self._tree is not None else None
        if self._unparsed:  # edits from now on are kept, to bring the snapshot's tree up to date
            self._snapshot_text, self._since_snapshot = text, []
            self._same_literals = True
        return text, tree, self._stale or self._unparsed

    def adopt(self, text: str, tree: ts.Tree | None) -> None:
        """Take the tree `tree_of` made of a snapshot when this document has none: edited as
        the document was since (parsed incrementally when next asked for); or, for the text it
        still has, a tree that replaces its edited one."""
        if self._unparsed and text is self._snapshot_text:
            edits = self._since_snapshot or []
            for edit in edits if tree is not None else []:
                tree.edit(**edit)  # type: ignore[union-attr]
            self._tree, self._unparsed, self.gave_up = tree, False, tree is None
            self._stale = bool(edits)  # `_same_literals` has followed these edits
        elif self._text.is_joined(text) and self._stale and tree is not None:
            self._tree, self._stale, self._same_literals = tree, False, True
        self._snapshot_text, self._since_snapshot = None, None

    def set_text(self, text: str) -> None:
        """A whole new text (didOpen, a full-document change): parse from scratch (a lazy
        document: when the tree is first asked for). Its line index and chunks are made when
        first needed, unless `adopt_structure` brought them, made in a thread, before."""
        self._text = ChunkedText(text)
        self.revision = next(_REVISIONS)
        self._line_index = None
        self._tree, self._stale, self.gave_up = None, False, False
        self._unparsed = self.lazy and self._parser is not None
        self._snapshot_text, self._since_snapshot = None, None
        if self._parser is not None and not self.lazy:
            self._tree = self._parse(None)

    def retry(self) -> None:
        """Parse from scratch a document whose last parse hit the budget (e.g. on save)."""
        if self.gave_up and self._parser is not None:
            self.gave_up = False
            self._tree = self._parse(None)

    def edit(self, first_row: int, first_col: int, last_row: int, last_col: int, new: str) -> None:
        """Replace the range (rows and code-point columns, as LSP sends them) with `new`."""
        first_row, first_col = self._clamp(first_row, first_col)
        last_row, last_col = self._clamp(last_row, last_col)
        if (last_row, last_col) < (first_row, first_col):
            first_row, first_col, last_row, last_col = last_row, last_col, first_row, first_col
        start = self._lines().start(first_row) + first_col
        end = self._lines().start(last_row) + last_col
        if self._tree is not None or self._since_snapshot is not None:
            self._edit_tree(start, end, new, (first_row, first_col), (last_row, last_col))
            changed = new + self._text.slice(start, end)  # typed and deleted
            self._same_literals &= _LITERAL_MARKS.isdisjoint(changed)
        self._lines().edit(start, end - start, new)  # before the text: it may read a block
        self._text.replace(start, end, new)
        self.revision = next(_REVISIONS)

    def replace(self, start: int, end: int, new_text: str) -> None:
        """Replace code points [start, end) with `new_text` (offsets instead of a range)."""
        self.edit(*self.row_col(start), *self.row_col(end), new_text)

    def row_of(self, offset: int) -> int:
        """The row of code point `offset` (0-based), without counting lines."""
        return self._lines().row_of(offset)

    def row_col(self, offset: int) -> tuple[int, int]:
        row = self._lines().row_of(offset)
        return row, offset - self._lines().start(row)

    def point_at(self, offset: int) -> tuple[int, int]:
        """Tree-sitter's (row, byte column) of code point `offset`, read from its line only."""
        row, col = self.row_col(offset)
        return row, self._column_bytes(row, col)

    def byte_at(self, offset: int) -> int:
        """The UTF-8 byte offset of code point `offset` (tree-sitter counts bytes)."""
        return self._text.byte_offset(offset)

    def sexp(self) -> str:
        tree = self.tree
        return str(tree.root_node) if tree is not None else ""

    def node_at(self, offset: int, literals: bool = False) -> ts.Node | None:
        """The smallest named node covering code point `offset`. `literals`: only to tell
        strings and comments from code, which edits without quotes, comment or escape marks
        since the last parse do not change (taken so: a line break typed inside a comment
        stays in it): the last tree, its positions edited, serves; none before a first parse."""
        unchanged = literals and (self._unparsed or self._same_literals)
        tree = self._tree if unchanged else self.tree  # `_tree`: no parse on the keystroke path
        if tree is None:
            return None
        point = self.point_at(offset)  # not byte_at: that encodes all the text before it
        return tree.root_node.named_descendant_for_point_range(point, point)

    def _clamp(self, row: int, col: int) -> tuple[int, int]:
        if row >= len(self._lines()):
            row = len(self._lines()) - 1
            col = len(self.line(row))
        return row, max(0, min(col, len(self.line(row))))

    def _edit_tree(
        self, start: int, end: int, new: str, first: tuple[int, int], last: tuple[int, int]
    ) -> None:
        start_byte, end_byte = self.byte_at(start), self.byte_at(end)
        start_point = (first[0], self._column_bytes(first[0], first[1]))
        end_point = (last[0], self._column_bytes(last[0], last[1]))
        encoded = new.encode()
        newlines = new.count("\n")
        if newlines:
            new_end_point = (first[0] + newlines, len(encoded) - encoded.rfind(b"\n") - 1)
        else:
            new_end_point = (first[0], start_point[1] + len(encoded))
        edit: dict[str, Any] = {
            "start_byte": start_byte,
            "old_end_byte": end_byte,
            "new_end_byte": start_byte + len(encoded),
            "start_point": start_point,
            "old_end_point": end_point,
            "new_end_point": new_end_point,
        }
        if self._tree is None:
            assert self._since_snapshot is not None
            self._since_snapshot.append(edit)  # for the tree made of the snapshot, if adopted
        else:
            self._tree.edit(**edit)
            self._stale = True

    def _column_bytes(self, row: int, col: int) -> int:
        line = self.line(row)
        return col if line.isascii() else len(line[:col].encode())

    def _parse(self, old_tree: ts.Tree | None) -> ts.Tree | None:
        assert self._parser is not None
        if old_tree is None:
            self.full_parses += 1
        else:
            self.incremental_parses += 1
        # Encoded for the parse only: the text is kept once, as a str.
        tree = parse_bytes(self._parser, self._text.text.encode(), old_tree, self.budget_s)
        self.gave_up = tree is None
        self._same_literals = True
        return tree


def tree_of(
    language: str,
    text: str | bytes,
    tree: ts.Tree | None,
    parse: bool,
    budget_s: float = PARSE_BUDGET_S,
) -> ts.Tree | None:
    """The tree of a `SyntaxDocument.snapshot` (its text, or that text's UTF-8): parsed where it
    asks for a parse (incrementally from the edited `tree`, or from scratch without one)."""
    parser = parser_for(language) if parse else None
    if parser is None:
        return tree
    data = encode(text) if isinstance(text, str) else text
    return parse_bytes(parser, data, tree, budget_s)


# Part of whatever opens or closes a string or comment in some grammar (quotes, escapes, `#`,
# `//` and `/*`, Lua's `--` and `[[`, `${}` in templates): edits without any keep them in place.
_LITERAL_MARKS = frozenset("\"'`#/-[]{}\\")


class _Lines(Sequence[str]):
    def __init__(self, doc: SyntaxDocument) -> None:
        self._doc = doc

    def __len__(self) -> int:
        return self._doc.line_count

    @overload
    def __getitem__(self, row: int) -> str: ...
    @overload
    def __getitem__(self, row: slice) -> Sequence[str]: ...
    def __getitem__(self, row: int | slice) -> str | Sequence[str]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._doc.line(row)
