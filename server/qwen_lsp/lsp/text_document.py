"""pygls's document model backed by the engine's `SyntaxDocument`: one copy of each text.

pygls rebuilds the whole text line by line on every incremental change and splits it again
for each position it converts; here a change edits the text, its line index and its tree in
place, and positions convert from the one line they are on.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace

from ..engine.syntax import SyntaxDocument, language_for


class QwenDocument(TextDocument):
    syntax: SyntaxDocument | None = None

    @property
    def _source(self) -> str | None:
        return self.syntax.text if self.syntax is not None else None

    @_source.setter
    def _source(self, text: str | None) -> None:
        if text is None:  # a document that is not open: pygls reads it from disk when asked
            self.syntax = None
        elif self.syntax is None:
            language = language_for(self.path or self.uri, self.language_id or "")
            self.syntax = SyntaxDocument(language, text, lazy=True)  # parsed in a thread
        else:
            self.syntax.set_text(text)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        syntax = self.syntax
        if syntax is None:
            return super()._apply_incremental_change(change)
        start, end = change.range.start, change.range.end
        syntax.edit(*self._point(start), *self._point(end), change.text)

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
    """Make the workspace create `QwenDocument`s (pygls builds every document in this method)."""

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
