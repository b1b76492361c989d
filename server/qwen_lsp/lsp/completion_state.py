"""Completion state kept current by document events: repo context, typing cache, parse retries.

The text and its tree live in the document itself (`QwenDocument`): pygls has applied each
change, and the tree with it, before these listeners run.
"""

from __future__ import annotations

from lsprotocol import types

from .indexing import index_soon
from .positions import document_path, lines_of, open_document, syntax_of
from .server import QwenLanguageServer
from .trip import arrival


def register(server: QwenLanguageServer) -> None:
    events = server.document_events
    events.opened.append(did_open)
    events.changed.append(did_change)
    events.saved.append(did_save)
    events.closed.append(did_close)


def did_open(ls: QwenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.repo_context.opened(document_path(ls, params.text_document.uri))
    index_soon(ls)  # in a thread: definitions are ready before they are looked up


def did_change(ls: QwenLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.stats.changed(params.text_document.uri, arrival())  # the user waits from its reading
    document = open_document(ls, params.text_document.uri)
    if document is None or not params.content_changes:
        return
    last = params.content_changes[-1]
    line = last.range.start.line if isinstance(last, types.TextDocumentContentChangePartial) else 0
    ls.repo_context.edited(document_path(ls, document.uri), lines_of(document), line)


def did_save(ls: QwenLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    document = open_document(ls, params.text_document.uri)
    if document is None:
        return
    if (syntax := syntax_of(document)) is not None:
        syntax.retry()  # a tree given up on while typing gets one more try, once per save
    ls.repo_context.saved(document_path(ls, document.uri), lines_of(document))


def did_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.typing_cache.forget(uri)
    ls.repo_context.closed(document_path(ls, uri))
