"""pygls's document model backed by the engine's `SyntaxDocument`: one copy of each text.

pygls rebuilds the whole text line by line on every incremental change and splits it again
for each position it converts; here a change edits the text, its line index and its tree in
place, and positions convert from the one line they are on.
"""

from __future__ import annotations

import threading

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from ..engine.chunked_text import split
from ..engine.grammars import language_for
from ..engine.lines import LineIndex
from ..engine.syntax import SyntaxDocument

PREPARE_CHARS = 1 << 18  # a text this long is split and indexed in the reader thread
_PREPARED: dict[int, tuple[str, LineIndex, list[str]]] = {}  # by id of the text
_PREPARED_LOCK = threading.Lock()


def prepare(text: str) -> None:
    """Make a big opened text's line index and chunks now, in the thread that read the message,
    for its document to take (else its first keystroke may make them on the event loop)."""
    if len(text) < PREPARE_CHARS:
        return
    made = (text, LineIndex(text), split(text))
    with _PREPARED_LOCK:
        while len(_PREPARED) >= 4:  # a message that never became a document: forget it
            del _PREPARED[next(iter(_PREPARED))]
        _PREPARED[id(text)] = made


def _take_prepared(text: str) -> tuple[LineIndex, list[str]] | None:
    with _PREPARED_LOCK:
        made = _PREPARED.pop(id(text), None)
    return (made[1], made[2]) if made is not None and made[0] is text else None


class QwenDocument(TextDocument):
    def __init__(self, uri: str, source: str | None = None, **kwargs) -> None:
        # pygls keeps no copy: `source` and `apply_change` below read and edit ours.
        super().__init__(uri, None, **kwargs)
        self.syntax: SyntaxDocument | None = None
        if source is not None:  # None: a document not open, which pygls reads from disk
            language = language_for(self.path or uri, self.language_id or "")
            self.syntax = SyntaxDocument(language, source, lazy=True)  # parsed in a thread
            if (prepared := _take_prepared(source)) is not None:
                self.syntax.adopt_structure(source, *prepared)

    @property
    def source(self) -> str:
        return self.syntax.text if self.syntax is not None else super().source

    def apply_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        syntax = self.syntax
        if syntax is None:
            return super().apply_change(change)
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            syntax.edit(*self._point(start), *self._point(end), change.text)
        else:
            syntax.set_text(change.text)

    def _point(self, position: types.Position) -> tuple[int, int]:
        """(row, code-point column) of a client position."""
        assert self.syntax is not None
        if position.line >= self.syntax.line_count:
            return position.line, position.character
        line = self.syntax.line(position.line)
        if line.isascii():  # utf-8, utf-16 and utf-32 units are all one per character here
            return position.line, position.character
        row_position = types.Position(line=0, character=position.character)
        # With its newline, as pygls's own lines: a column past the end means the line's end.
        server = self.position_codec.position_from_client_units([line + "\n"], row_position)
        return position.line, server.character

    def offset_at_position(self, client_position: types.Position) -> int:
        if self.syntax is None:
            return super().offset_at_position(client_position)
        row, col = self._point(client_position)
        return self.syntax.line_start(row) + col


def adopt(workspace: Workspace) -> None:
    """Make the workspace create `QwenDocument`s.

    pygls (2.1) has no public way to choose the document class: every document is built by the
    private `Workspace._create_text_document`, replaced here and nowhere else.
    tests/unit/test_text_document.py fails if pygls stops building its documents through it.
    """

    def create(
        uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return QwenDocument(
            uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=workspace._sync_kind,
            position_codec=workspace.position_codec,
        )

    workspace._create_text_document = create  # type: ignore[method-assign,assignment]
