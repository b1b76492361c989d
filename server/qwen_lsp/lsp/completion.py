"""textDocument/inlineCompletion: snapshot → typing cache or model → suggestion → LSP items.

Each step is a free function over the server and plain data (as llm-ls's are), so the chain
reads in `inline_completion` and each step can be tested alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from lsprotocol import types
from pygls.workspace import TextDocument

from .. import messages as m
from ..engine.completion import (
    CompletionPlan,
    CompletionRequest,
    format_completion,
    should_complete,
)
from ..engine.stats import AnsweredRequest
from ..engine.typing_cache import Hit, near
from ..errors import QwenError
from ..settings import Settings
from . import debounce, early_answer, enter_prewarm, prefetch
from .acceptance import accept_command
from .completion_plan import generate_for, plan_for, snapshot
from .positions import offset_at, open_document
from .server import QwenLanguageServer
from .trip import arrival, when_answer_written

log = logging.getLogger("qwen_lsp")
EMPTY = types.InlineCompletionList(items=[])


def register(server: QwenLanguageServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())(
        inline_completion
    )


@dataclass(frozen=True)
class Asked:
    """A request as read: when it arrived, since when its user has waited (the keystroke
    before it: lsp/trip.py), when its handler began, and the settings it is answered under."""

    started: float
    since: float
    handled: float
    settings: Settings


@dataclass(frozen=True)
class ModelAnswer:
    plan: CompletionPlan
    done: m.Done
    going: early_answer.Going | None  # the generation, when it goes on after an early answer
    position: types.Position  # the client's cursor, as it asked
    model_ms: float  # the wait for the model: the worker's queue and pipe included
    idle_ms: float  # the server's wait before asking it (`completion.debounceMs`)


@dataclass(frozen=True)
class Shown:
    text: str
    item_id: str  # the acceptance log's, for the accept command


async def inline_completion(
    ls: QwenLanguageServer, params: types.InlineCompletionParams
) -> types.InlineCompletionList:
    asked = read_request(ls, params.text_document.uri)
    document = open_document(ls, params.text_document.uri)
    if document is None:
        return EMPTY
    request = snapshot(ls, document, offset_at(document, params.position))
    await prefetch.settle(ls, request)  # a next suggestion made for this very state: wait for it
    enter_prewarm.rested(ls, request)  # resting at a line's end: warm the prompt after Enter
    if not asked.settings.completion.enabled or not should_complete(request):
        return EMPTY
    shown = typed_through(ls, document, request, asked)
    if shown is None:
        answer = await model_answer(ls, document, request, params, asked)
        shown = None if answer is None else suggestion(ls, document, request, answer, asked)
    return EMPTY if shown is None else _items(shown, params.position)


def read_request(ls: QwenLanguageServer, uri: str) -> Asked:
    """Count a request, with the time its user has waited from."""
    started, handled = arrival(), time.perf_counter()
    since = ls.stats.waiting_since(uri, started)
    ls.stats.requests += 1
    return Asked(started, since, handled, ls.settings)


def typed_through(
    ls: QwenLanguageServer, document: TextDocument, request: CompletionRequest, asked: Asked
) -> Shown | None:
    """The rest of a suggestion the user is typing through (or asks for again): no model."""
    if (hit := ls.typing_cache.find_near(request.uri, *near(request))) is None:
        return None
    ls.acceptance.typed(hit.key, hit.typed)  # typing a shown suggestion takes it
    if not hit.rest.strip():
        return None
    ls.stats.cache_hits += 1
    shown = Shown(hit.rest, ls.acceptance.item_id(hit.key, hit.typed))
    record_latency(ls, asked, 0.0, 0.0, shown.item_id)
    prefetch.served(ls, document, request, hit)
    return shown


async def model_answer(
    ls: QwenLanguageServer,
    document: TextDocument,
    request: CompletionRequest,
    params: types.InlineCompletionParams,
    asked: Asked,
) -> ModelAnswer | None:
    """The model's answer after the server's wait; None when typing went on, the model failed
    or was superseded, or the document changed meanwhile."""
    trigger = params.context.trigger_kind
    if (idle_ms := await debounce.wait_to_ask(ls, request.uri, asked.since, trigger)) is None:
        return None  # typed on meanwhile: nothing asked
    plan = plan_for(ls, document, request, params.position.line)
    try:
        ls.stats.model_calls += 1
        generate = generate_for(ls, request, plan)
        began = time.perf_counter()
        done, going = await early_answer.ask_model(ls, request.uri, generate, plan)
        model_ms = (time.perf_counter() - began) * 1000
    except QwenError as exc:
        ls.stats.errors += 1
        log.info("no completion: %s", exc)
        return None
    if done is None or done.finish_reason == "cancelled":
        return None
    if document.version != request.version:
        ls.stats.stale += 1  # computed for a text the user has already changed
        return None
    return ModelAnswer(plan, done, going, params.position, model_ms, idle_ms)


def suggestion(
    ls: QwenLanguageServer,
    document: TextDocument,
    request: CompletionRequest,
    answer: ModelAnswer,
    asked: Asked,
) -> Shown | None:
    """The model's text made a suggestion (None: nothing left of it), kept for typing through;
    what follows it is made meanwhile (the whole text after an early answer, or the next)."""
    text = format_completion(answer.done.text, answer.plan, asked.settings.completion)
    if not text:
        record_latency(ls, asked, answer.model_ms, answer.idle_ms, None)
        return None
    key = ls.acceptance.suggest(request.language_id, text)
    shown = Shown(text, ls.acceptance.item_id(key))
    record_latency(ls, asked, answer.model_ms, answer.idle_ms, shown.item_id)
    ls.typing_cache.remember_near(request.uri, *near(request), text, key)
    if answer.going is not None:  # answered early: the whole suggestion replaces it when it comes
        going, position = answer.going, answer.position
        whole = early_answer.remember_whole(ls, document, request, answer.plan, going, position)
        ls.background(whole)
    else:
        prefetch.served(ls, document, request, Hit(text, key, 0))
    return shown


def record_latency(
    ls: QwenLanguageServer, asked: Asked, model_ms: float, idle_ms: float, item_id: str | None
):
    """Counted once the answer is written: what the user waits includes pygls's sending.
    `item_id`: the item shown (None: nothing to show)."""
    returned = time.perf_counter()  # the handler's own work ends here

    def written(at: float) -> None:
        answered = AnsweredRequest(
            total_ms=(at - asked.started) * 1000,
            model_ms=model_ms,
            item_id=item_id,
            waited_ms=(at - asked.since) * 1000,
            idle_ms=idle_ms,
            transport_ms=(asked.handled - asked.started + at - returned) * 1000,
        )
        ls.stats.record_latency(answered)

    when_answer_written(ls, written)


def _items(shown: Shown, position: types.Position) -> types.InlineCompletionList:
    here = types.Range(start=position, end=position)
    command = accept_command(shown.item_id)
    item = types.InlineCompletionItem(insert_text=shown.text, range=here, command=command)
    return types.InlineCompletionList(items=[item])
