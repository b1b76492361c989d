"""Tree-sitter parsing: languages from grammar wheels, incremental trees, syntax-error counts.

Grammars are loaded lazily from the per-language wheels (no run-time downloads). A document
whose language has no grammar simply has no tree; every caller falls back to line heuristics.
"""

from __future__ import annotations

import importlib
import posixpath
import time
from collections.abc import Callable
from functools import cache

import tree_sitter as ts

# language id → (wheel module, function returning the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "javascriptreact": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": ("tree_sitter_typescript", "language_tsx"),
    "rust": ("tree_sitter_rust", "language"),
    "go": ("tree_sitter_go", "language"),
    "lua": ("tree_sitter_lua", "language"),
}

_EXTENSIONS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".rs": "rust",
    ".go": "go",
    ".lua": "lua",
}

# Editors disagree on a few ids (Neovim's filetype vs VS Code's languageId).
_ALIASES = {"tsx": "typescriptreact", "jsx": "javascriptreact", "py": "python", "rs": "rust"}


def language_for(path: str, language_id: str = "") -> str:
    """The language of a document: its languageId when known, else from its file extension."""
    lang = _ALIASES.get(language_id, language_id)
    if lang in _GRAMMARS:
        return lang
    ext = posixpath.splitext(path.lower())[1]
    return _EXTENSIONS.get(ext, lang)


def has_grammar(language: str) -> bool:
    return language in _GRAMMARS


def language_of(filename: str) -> str:
    """The languageId of a file name whose language has a grammar, else ""."""
    language = language_for(filename)
    return language if has_grammar(language) else ""


@cache
def _language(language: str) -> ts.Language | None:
    spec = _GRAMMARS.get(language)
    if spec is None:
        return None
    try:
        module = importlib.import_module(spec[0])
    except ImportError:  # a grammar wheel missing from the install: degrade, do not fail
        return None
    loader: Callable[[], object] = getattr(module, spec[1])
    return ts.Language(loader())


def parser_for(language: str) -> ts.Parser | None:
    """A fresh parser (parsers are not shared: they keep state between parses)."""
    lang = _language(language)
    return ts.Parser(lang) if lang is not None else None


PARSE_BUDGET_S = 0.25  # some grammars take pathologically long on garbage input: give up
READ_CHUNK = 64 * 1024


def parse_bytes(
    parser: ts.Parser,
    data: bytes,
    old_tree: ts.Tree | None = None,
    budget_s: float = PARSE_BUDGET_S,
) -> ts.Tree | None:
    """Parse with a time budget (only the callback form of `parse` can be cancelled)."""
    deadline = time.monotonic() + budget_s

    def read(byte: int, _point: tuple[int, int]) -> bytes:
        return data[byte : byte + READ_CHUNK]

    def give_up(*_: object) -> bool:
        return time.monotonic() > deadline

    try:
        if old_tree is None:
            return parser.parse(read, progress_callback=give_up)
        return parser.parse(read, old_tree, progress_callback=give_up)
    except ValueError:  # cancelled: no tree; callers fall back to text heuristics
        parser.reset()
        return None


def parse(language: str, text: str, budget_s: float = PARSE_BUDGET_S) -> ts.Tree | None:
    parser = parser_for(language)
    return parse_bytes(parser, text.encode(), budget_s=budget_s) if parser is not None else None


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


def _point_at(data: bytes, byte: int) -> tuple[int, int]:
    row = data.count(b"\n", 0, byte)
    return row, byte - (data.rfind(b"\n", 0, byte) + 1)


class SyntaxDocument:
    """A document's text with its tree, kept current by incremental edits (didChange)."""

    def __init__(self, language: str, text: str) -> None:
        self.language = language
        self.text = text
        self._data = text.encode()
        self._parser = parser_for(language)
        self.tree = parse_bytes(self._parser, self._data) if self._parser is not None else None

    def replace(self, start: int, end: int, new_text: str) -> None:
        """Replace code points [start, end) of the text with `new_text` and reparse."""
        start_byte = len(self.text[:start].encode())
        old_end_byte = start_byte + len(self.text[start:end].encode())
        new_end_byte = start_byte + len(new_text.encode())
        old_data = self._data
        self.text = self.text[:start] + new_text + self.text[end:]
        self._data = old_data[:start_byte] + new_text.encode() + old_data[old_end_byte:]
        if self._parser is None:
            return
        if self.tree is None:  # no tree to edit (an earlier parse gave up): try afresh
            self.tree = parse_bytes(self._parser, self._data)
            return
        self.tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=_point_at(old_data, start_byte),
            old_end_point=_point_at(old_data, old_end_byte),
            new_end_point=_point_at(self._data, new_end_byte),
        )
        self.tree = parse_bytes(self._parser, self._data, self.tree)

    def update(self, text: str) -> int:
        """Follow the document to `text` by one edit of the span that changed; its start."""
        start, old_end, new_end = changed_span(self.text, text)
        if text != self.text:
            self.replace(start, old_end, text[start:new_end])
        return start

    def set_text(self, text: str) -> None:
        """A full-document change: parse from scratch."""
        self.text = text
        self._data = text.encode()
        if self._parser is not None:
            self.tree = parse_bytes(self._parser, self._data)

    def sexp(self) -> str:
        return str(self.tree.root_node) if self.tree is not None else ""

    def node_at(self, offset: int) -> ts.Node | None:
        """The smallest named node covering code point `offset`."""
        if self.tree is None:
            return None
        byte = len(self.text[:offset].encode())
        return self.tree.root_node.named_descendant_for_byte_range(byte, byte)


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """(start, end in old, end in new) of the one region where `old` and `new` differ."""
    limit = min(len(old), len(new))
    low, high = 0, limit  # longest common prefix by bisection: slice compares run in C
    while low < high:
        mid = (low + high + 1) // 2
        if old[:mid] == new[:mid]:
            low = mid
        else:
            high = mid - 1
    start = low
    low, high = 0, limit - start
    while low < high:
        mid = (low + high + 1) // 2
        if old[len(old) - mid :] == new[len(new) - mid :]:
            low = mid
        else:
            high = mid - 1
    return start, len(old) - low, len(new) - low
