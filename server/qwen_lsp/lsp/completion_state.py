"""Completion state kept current by document events: syntax trees, repo context, typing cache."""

from __future__ import annotations

from lsprotocol import types

from ..engine.syntax import SyntaxDocument, language_for
from .positions import document_path, open_document
from .server import QwenLanguageServer


def register(server: QwenLanguageServer) -> None:
    events = server.document_events
    events.opened.append(did_open)
    events.changed.append(did_change)
    events.saved.append(did_save)
    events.closed.append(did_close)


def did_open(ls: QwenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    path = document_path(ls, item.uri)
    language = language_for(path, item.language_id)
    ls.syntax_docs[item.uri] = SyntaxDocument(language, item.text)
    ls.repo_context.opened(path)


def did_change(ls: QwenLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    """pygls has applied the change already; the tree follows by one incremental edit."""
    uri = params.text_document.uri
    document = open_document(ls, uri)
    syntax_doc = ls.syntax_docs.get(uri)
    if document is None or syntax_doc is None:
        return
    start = syntax_doc.update(document.source)
    line = document.source.count("\n", 0, start)
    ls.repo_context.edited(document_path(ls, uri), document.source, line)


def did_save(ls: QwenLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = open_document(ls, params.text_document.uri)
    if document is not None:
        ls.repo_context.saved(document_path(ls, document.uri), document.source)


def did_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.syntax_docs.pop(uri, None)
    ls.typing_cache.forget(uri)
    ls.repo_context.closed(document_path(ls, uri))
