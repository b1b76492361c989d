"""Definitions of open documents indexed in a thread, one document at a time, for the
repository context: neither opening many documents nor a keystroke waits for a parse or a walk
of a tree (tree-sitter runs Python callbacks while it parses, so the event loop keeps its turns).
An opened document's first tree is made here too, and handed to it if its text is unchanged;
before it, the line index and chunks of a new text (a 10 MB file: ~40 ms off the event loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor

import tree_sitter as ts

from ..engine.chunked_text import split
from ..engine.definitions import spans_of
from ..engine.lines import LineIndex
from ..engine.syntax import SyntaxDocument, encode, tree_of
from .positions import document_path, syntax_of
from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qwen-index")
# Its thread started now, before the event loop runs: `Thread.start` waits until the new thread
# is scheduled (58 ms seen at a document's open on a busy machine).
_THREAD.submit(int)


def index_soon(ls: QwenLanguageServer) -> None:
    """Start indexing the next open document the repository context lacks an index for."""
    context = ls.repo_context
    if context.indexing or not context.unindexed:
        return
    for uri, document in list(ls.workspace.text_documents.items()):
        path = document_path(ls, uri)
        syntax = syntax_of(document)
        if path in context.unindexed and syntax is not None:
            _start(ls, path, syntax)
            return
    context.unindexed.clear()  # none of them is open any more


def _start(ls: QwenLanguageServer, path: str, syntax: SyntaxDocument) -> None:
    text, tree, parse = syntax.snapshot()
    ls.repo_context.indexing = path
    loop = asyncio.get_running_loop()
    structure = None
    if not syntax.structured():  # a new text: its line index and chunks are made here first

        def structure(index: LineIndex, chunks: list[str]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(syntax.adopt_structure, text, index, chunks)

    job = _THREAD.submit(_index, syntax.language, text, tree, parse, structure)

    def back_on_the_loop(done: Future) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile (shutting down)
            loop.call_soon_threadsafe(_done, ls, path, syntax, text, done)

    job.add_done_callback(back_on_the_loop)


def _index(
    language: str,
    text: str,
    tree: ts.Tree | None,
    parse: bool,
    structure: Callable[[LineIndex, list[str]], None] | None,
) -> tuple[ts.Tree | None, Mapping[str, tuple[int, int]]]:
    if structure is not None:  # before the parse: wanted at the first keystroke
        structure(LineIndex(text), split(text))
    data = encode(text)
    tree = tree_of(language, data, tree, parse)
    return tree, spans_of(language, tree, data)


def _done(
    ls: QwenLanguageServer, path: str, syntax: SyntaxDocument, text: str, job: Future
) -> None:
    ls.repo_context.indexing = None
    if (error := job.exception()) is not None:
        log.warning("indexing %s failed: %r", path, error)
        ls.repo_context.indexed(path, text, {})  # not tried again until it changes
    else:
        tree, index = job.result()
        syntax.adopt(text, tree)  # the document's tree, when it had none of this text yet
        ls.repo_context.indexed(path, text, index)
    index_soon(ls)
