"""Engine line edits as a workspace edit against one document version."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument

from ..engine.line_edits import LineEdit
from ..engine.tool_edits import to_ranges


def workspace_edit(
    doc: TextDocument, version: object, edits: list[LineEdit]
) -> types.WorkspaceEdit:
    """Edits against exactly `version`: a client holding another version must refuse them."""
    text_edits = []
    for sl, sc, el, ec, new in to_ranges(doc.source, edits):
        start = types.Position(line=sl, character=sc)
        end = types.Position(line=el, character=ec)
        rng = doc.position_codec.range_to_client_units(doc.lines, types.Range(start, end))
        text_edits.append(types.TextEdit(range=rng, new_text=new))
    ident = types.OptionalVersionedTextDocumentIdentifier(
        uri=doc.uri, version=version if isinstance(version, int) else None
    )
    changes = types.TextDocumentEdit(text_document=ident, edits=list(text_edits))
    return types.WorkspaceEdit(document_changes=[changes])
