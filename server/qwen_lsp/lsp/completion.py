"""textDocument/inlineCompletion: snapshot → engine plan → worker → engine → LSP items."""

from __future__ import annotations

import logging
import time

from lsprotocol import types

from .. import messages as m
from ..engine.completion import (
    CompletionRequest,
    build_prompt,
    format_completion,
    should_complete,
)
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
    plan = build_prompt(request, settings.completion, settings.context)
    generate = m.Generate(
        id=0,
        prompt=plan.prompt,
        cache_key=plan.cache_key,
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
    here = types.Range(start=params.position, end=params.position)
    return types.InlineCompletionList(
        items=[types.InlineCompletionItem(insert_text=text, range=here)]
    )
