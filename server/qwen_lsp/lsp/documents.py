"""Document events → engine state: syntax trees, repository context, typing cache."""

from __future__ import annotations

from lsprotocol import types

from ..engine.syntax import SyntaxDocument, language_for
from .positions import document_path, open_document
from .server import QwenLanguageServer


def register(server: QwenLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)


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
    new_text = document.source
    start, old_end, new_end = changed_span(syntax_doc.text, new_text)
    syntax_doc.replace(start, old_end, new_text[start:new_end])
    line = new_text.count("\n", 0, start)
    ls.repo_context.edited(document_path(ls, uri), new_text, line)


def did_save(ls: QwenLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = open_document(ls, params.text_document.uri)
    if document is not None:
        ls.repo_context.saved(document_path(ls, document.uri), document.source)


def did_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.syntax_docs.pop(uri, None)
    ls.typing_cache.forget(uri)
    ls.repo_context.closed(document_path(ls, uri))


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
