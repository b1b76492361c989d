"""textDocument/inlineCompletion: snapshot → engine plan → worker → engine → LSP items."""

from __future__ import annotations

import logging
import time

from lsprotocol import types

from ..engine.completion import format_completion, should_complete
from ..engine.typing_cache import Hit
from ..errors import QwenError
from . import debounce, early_answer, enter_prewarm, prefetch
from .acceptance import accept_command
from .completion_plan import generate_for, plan_for, snapshot
from .positions import offset_at, open_document
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
    request = snapshot(ls, document, offset_at(document, params.position))
    await prefetch.settle(ls, request)  # a next suggestion made for this very state: wait for it
    enter_prewarm.rested(ls, request)  # resting at a line's end: warm the prompt after Enter
    if not settings.completion.enabled or not should_complete(request):
        return EMPTY
    if (hit := ls.typing_cache.find_at(request.uri, request.text, request.offset)) is not None:
        ls.acceptance.typed(hit.key, hit.typed)  # typing a shown suggestion takes it
        if hit.rest.strip():
            ls.stats.cache_hits += 1  # typed through an earlier suggestion, or asked again
            _record(ls, started, waiting_since, 0.0)
            prefetch.served(ls, document, request, hit)
            return _items(hit.rest, params.position, ls.acceptance.item_id(hit.key, hit.typed))
    trigger = params.context.trigger_kind
    if (idle_ms := await debounce.wait_to_ask(ls, request.uri, waiting_since, trigger)) is None:
        return EMPTY  # typed on meanwhile: nothing asked
    plan = plan_for(ls, document, request, params.position.line)
    try:
        ls.stats.model_calls += 1
        generate = generate_for(ls, request, plan)
        asked = time.perf_counter()
        done, going = await early_answer.ask_model(ls, request.uri, generate, plan)
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
    _record(ls, started, waiting_since, model_ms, idle_ms)
    if not text:
        return EMPTY
    key = ls.acceptance.suggest(request.language_id, text)
    ls.typing_cache.remember_at(request.uri, request.text, request.offset, text, key)
    if going is not None:  # answered early: the whole suggestion replaces it when it comes
        ls.background(early_answer.remember_whole(ls, document, request, plan, going))
    else:
        prefetch.served(ls, document, request, Hit(text, key, 0))
    return _items(text, params.position, ls.acceptance.item_id(key))


def _record(
    ls: QwenLanguageServer, started: float, since: float, model_ms: float, idle_ms: float = 0.0
) -> None:
    now = time.perf_counter()
    ls.stats.record_latency((now - started) * 1000, model_ms, (now - since) * 1000, idle_ms)


def _items(text: str, position: types.Position, item_id: str) -> types.InlineCompletionList:
    here = types.Range(start=position, end=position)
    item = types.InlineCompletionItem(insert_text=text, range=here, command=accept_command(item_id))
    return types.InlineCompletionList(items=[item])
