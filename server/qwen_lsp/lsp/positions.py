"""Client positions → offsets, checked against the document (pygls does the unit conversion)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from ..engine.syntax import SyntaxDocument
from .server import QwenLanguageServer
from .text_document import QwenDocument


def open_document(ls: QwenLanguageServer, uri: str) -> TextDocument | None:
    """The synced document, or None when the client never opened it (never read from disk)."""
    return ls.workspace.text_documents.get(uri)


def syntax_of(document: TextDocument) -> SyntaxDocument | None:
    """The document's text, tree and line index (every opened document has one)."""
    return document.syntax if isinstance(document, QwenDocument) else None


def offset_at(document: TextDocument, position: types.Position) -> int:
    """Code-point offset of `position`; a column past the line's end means the line's end.

    A line past the end of the document is the client's error (-32602), not ours to guess.
    """
    syntax = syntax_of(document)
    count = _line_count(document, syntax)
    if position.line > count or (position.line == count and position.character > 0):
        raise JsonRpcInvalidParams(
            f"position {position.line}:{position.character} is outside {document.uri} "
            f"({count} lines)"
        )
    if position.line == count:
        return text_length(document)
    line = syntax.line(position.line) if syntax else document.lines[position.line]
    content = line.rstrip("\r\n")
    clamped = min(position.character, client_units(document, content))
    return document.offset_at_position(types.Position(line=position.line, character=clamped))


def text_length(document: TextDocument) -> int:
    """The document's length in code points (its text is not joined for it)."""
    syntax = syntax_of(document)
    return syntax.length if syntax is not None else len(document.source)


def lines_of(document: TextDocument) -> Sequence[str]:
    """The document's lines as `source.split("\\n")` has them, each read when asked for."""
    syntax = syntax_of(document)
    return syntax.lines() if syntax is not None else document.source.split("\n")


def client_units(document: TextDocument, text: str) -> int:
    """Length of `text` in the client's position units (pygls counts them a character at a
    time in Python: seconds for a 2 MB minified line)."""
    if text.isascii():
        return len(text)
    encoding = document.position_codec.encoding
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _line_count(document: TextDocument, syntax: SyntaxDocument | None) -> int:
    """Lines as pygls counts them (a final newline opens no line), without splitting the text."""
    if syntax is None:
        return len(document.lines)
    length = syntax.length
    return 0 if not length else syntax.line_count - (syntax.slice(length - 1, length) == "\n")


def document_path(ls: QwenLanguageServer, uri: str) -> str:
    """The document's path relative to the workspace root when inside it (repo-level FIM)."""
    path = to_fs_path(uri) or uri
    root = ls.workspace.root_path
    if root and path.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(path, root)
    return os.path.basename(path)
