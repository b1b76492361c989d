"""A minimal editor for protocol tests: holds document texts and versions, and answers
`workspace/applyEdit` the way VS Code and Neovim do (a versioned edit for another version is
refused)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from lsprotocol import types
from pytest_lsp import LanguageClient


class Editor:
    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.applied: list[types.WorkspaceEdit] = []
        self.refused: list[types.WorkspaceEdit] = []
        # Run when a `workspace/applyEdit` arrives, before it is applied (the user typing then).
        self.before_apply: Callable[[], None] | None = None
        # pygls tags handlers with attributes, which bound methods refuse.
        client.feature(types.WORKSPACE_APPLY_EDIT)(lambda params: self._apply_edit(params))

    def open(self, uri: str, text: str, language: str = "python") -> None:
        self.texts[uri], self.versions[uri] = text, 1
        item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    def replace_all(self, uri: str, text: str) -> None:
        """The user types: a full-text change, a new version."""
        self.texts[uri] = text
        self.versions[uri] += 1
        ident = types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=ident, content_changes=[change])
        )

    def save(self, uri: str) -> None:
        ident = types.TextDocumentIdentifier(uri=uri)
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=ident))

    def apply(self, edit: types.WorkspaceEdit) -> bool:
        """Apply a versioned workspace edit; False (nothing changed) for a stale version."""
        assert not edit.changes, "edits must be versioned (documentChanges)"
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            uri = change.text_document.uri
            if uri not in self.texts or change.text_document.version != self.versions[uri]:
                return False
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            uri = change.text_document.uri
            self.replace_all(uri, apply_text_edits(self.texts[uri], change.edits))
        return True

    def _apply_edit(self, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        if self.before_apply is not None:
            self.before_apply()
        ok = self.apply(params.edit)
        (self.applied if ok else self.refused).append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=ok, failure_reason=None if ok else "stale")


def apply_text_edits(text: str, edits: list) -> str:
    """Apply non-overlapping text edits (ASCII test texts: UTF-16 units are code points)."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        before = sum(len(x) + 1 for x in lines[: pos.line])
        return min(len(text), before + pos.character)

    spans = sorted((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits)
    for a, b, _ in spans:
        assert a <= b
    for (_, b1, _), (a2, _, _) in itertools.pairwise(spans):
        assert b1 <= a2, "overlapping edits"
    for a, b, new in reversed(spans):
        text = text[:a] + new + text[b:]
    return text
