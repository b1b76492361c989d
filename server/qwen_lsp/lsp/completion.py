"""textDocument/inlineCompletion: snapshot → engine plan → worker → engine → LSP items."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping

from lsprotocol import types

from .. import messages as m
from ..engine.completion import (
    CompletionRequest,
    build_prompt,
    format_completion,
    repo_budget_chars,
    should_complete,
)
from ..engine.fim import RepoFile
from ..errors import QwenError
from .acceptance import accept_command
from .indexing import index_soon
from .positions import document_path, offset_at, open_document, syntax_of
from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
EMPTY = types.InlineCompletionList(items=[])


def register(server: QwenLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(
        inline_completion
    )


async def inline_completion(
    ls: QwenLanguageServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList:
    started = time.perf_counter()
    waiting_since = ls.stats.waiting_since(params.text_document.uri, started)
    ls.stats.requests += 1
    settings = ls.settings
    document = open_document(ls, params.text_document.uri)
    if document is None:
        return EMPTY
    request = CompletionRequest(
        uri=document.uri,
        version=document.version or 0,
        path=document_path(ls, document.uri),
        language_id=document.language_id or "",
        text=document.source,
        offset=offset_at(document, params.position),
    )
    if not settings.completion.enabled or not should_complete(request):
        return EMPTY
    if (hit := ls.typing_cache.find_at(request.uri, request.text, request.offset)) is not None:
        ls.acceptance.typed(hit.key, hit.typed)  # typing a shown suggestion takes it
        if hit.rest.strip():
            ls.stats.cache_hits += 1  # typed through an earlier suggestion, or asked again
            _record(ls, started, waiting_since, 0.0)
            return _items(hit.rest, params.position, ls.acceptance.item_id(hit.key, hit.typed))
    plan = build_prompt(
        request,
        settings.completion,
        settings.context,
        files=_repo_files(ls, request, params.position.line),
        repo_name=_repo_name(ls),
        syntax_doc=syntax_of(document),
    )
    generate = m.Generate(
        id=0,
        prompt=plan.prompt,
        cache_key=plan.cache_key,
        job=f"complete:{request.uri}",  # the next keystroke's request replaces this one
        max_tokens=plan.max_tokens,
        stop=list(plan.stop),
        max_time_ms=settings.completion.timeout_ms,
    )
    try:
        ls.stats.model_calls += 1
        asked = time.perf_counter()
        done = await ls.supersede(request.uri, ls.backend.request(generate))
        model_ms = (time.perf_counter() - asked) * 1000  # the worker's queue and pipe included
    except QwenError as exc:
        ls.stats.errors += 1
        log.info("no completion: %s", exc)
        return EMPTY
    if done is None or done.finish_reason == "cancelled":
        return EMPTY
    if document.version != request.version:
        ls.stats.stale += 1  # computed for a text the user has already changed
        return EMPTY
    text = format_completion(done.text, plan, settings.completion)
    _record(ls, started, waiting_since, model_ms)
    if not text:
        return EMPTY
    key = ls.acceptance.suggest(request.language_id, text)
    ls.typing_cache.remember_at(request.uri, request.text, request.offset, text, key)
    return _items(text, params.position, ls.acceptance.item_id(key))


def _record(ls: QwenLanguageServer, started: float, waiting_since: float, model_ms: float) -> None:
    now = time.perf_counter()
    ls.stats.record_latency((now - started) * 1000, model_ms, (now - waiting_since) * 1000)


def _items(text: str, position: types.Position, item_id: str) -> types.InlineCompletionList:
    here = types.Range(start=position, end=position)
    item = types.InlineCompletionItem(insert_text=text, range=here, command=accept_command(item_id))
    return types.InlineCompletionList(items=[item])


def _repo_files(
    ls: QwenLanguageServer, request: CompletionRequest, line: int
) -> tuple[RepoFile, ...]:
    budget = repo_budget_chars(ls.settings.context)
    if not budget:
        return ()
    documents = OpenTexts(ls)
    ls.repo_context.note_definitions(request.path, request.text, request.offset, documents)
    index_soon(ls)  # documents the lookup skipped (changed since their index) get one
    return ls.repo_context.files_for(request.path, line, documents, budget)


class OpenTexts(Mapping[str, str]):
    """Open documents' texts by workspace path, mapped only if a text is actually read (most
    keystrokes read none: the repository section is a snapshot)."""

    def __init__(self, ls: QwenLanguageServer) -> None:
        self._ls = ls
        self._paths: dict[str, str] | None = None

    def _by_path(self) -> dict[str, str]:
        if self._paths is None:
            uris = self._ls.workspace.text_documents
            self._paths = {document_path(self._ls, uri): uri for uri in uris}
        return self._paths

    def __getitem__(self, path: str) -> str:
        return self._ls.workspace.text_documents[self._by_path()[path]].source

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path())

    def __len__(self) -> int:
        return len(self._by_path())


def _repo_name(ls: QwenLanguageServer) -> str:
    root = ls.workspace.root_path
    return os.path.basename(root.rstrip(os.sep)) if root else ""
