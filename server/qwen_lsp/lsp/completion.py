"""textDocument/inlineCompletion: snapshot → engine plan → worker → engine → LSP items."""

from __future__ import annotations

import asyncio
import logging
import os
import time

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
from .positions import document_path, offset_at, open_document
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
    before, after = request.text[: request.offset], request.text[request.offset :]
    if (cached := ls.typing_cache.lookup(request.uri, before, after)) is not None:
        ls.stats.cache_hits += 1  # typed through an earlier suggestion, or asked again
        return _items(cached, params.position)
    waited = await _debounce(ls, request)
    if waited is None:
        return EMPTY
    started += waited  # waiting on purpose is neither model time nor server overhead
    plan = build_prompt(
        request,
        settings.completion,
        settings.context,
        files=_repo_files(ls, request),
        repo_name=_repo_name(ls),
        syntax_doc=ls.syntax_docs.get(request.uri),
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
        done = await ls.supersede(request.uri, ls.backend.request(generate))
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
    ls.stats.record_latency((time.perf_counter() - started) * 1000, done.usage.total_ms)
    if not text:
        return EMPTY
    ls.typing_cache.remember(request.uri, before, after, text)
    return _items(text, params.position)


def _items(text: str, position: types.Position) -> types.InlineCompletionList:
    here = types.Range(start=position, end=position)
    return types.InlineCompletionList(
        items=[types.InlineCompletionItem(insert_text=text, range=here)]
    )


async def _debounce(ls: QwenLanguageServer, request: CompletionRequest) -> float | None:
    """Wait per the typing rhythm: seconds waited, None when the document changed meanwhile."""
    delay_ms = ls.debounce.observe(request.uri, time.monotonic() * 1000)
    if delay_ms <= 0:
        return 0.0
    await asyncio.sleep(delay_ms / 1000)
    document = open_document(ls, request.uri)
    if document is None or (document.version or 0) != request.version:
        return None  # superseded by the next keystroke: no model call at all
    return delay_ms / 1000


def _repo_files(ls: QwenLanguageServer, request: CompletionRequest) -> tuple[RepoFile, ...]:
    budget = repo_budget_chars(ls.settings.context)
    if not budget:
        return ()
    documents = {
        document_path(ls, uri): doc.source for uri, doc in ls.workspace.text_documents.items()
    }
    ls.repo_context.note_definitions(request.path, request.text, request.offset, documents)
    return ls.repo_context.files_for(request.path, documents, budget)


def _repo_name(ls: QwenLanguageServer) -> str:
    root = ls.workspace.root_path
    return os.path.basename(root.rstrip(os.sep)) if root else ""
