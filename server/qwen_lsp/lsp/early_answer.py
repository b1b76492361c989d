"""Keystrokes answered before their generation ends (`completion.answerWithinMs`).

The model sends the text so far (EarlyAnswer) and generates on; the keystroke is answered with
it, and the whole suggestion, when it comes, takes its place in the typing cache. The generation
stays the document's in-flight request: a keystroke that needs the model cancels it (and the
worker stops it as superseded), typing through the early text does not.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types
from pygls.workspace import TextDocument

from .. import messages as m
from ..engine.completion import CompletionPlan, CompletionRequest, format_completion
from ..engine.typing_cache import Hit, near
from ..errors import QwenError
from . import prefetch
from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
Going = asyncio.Task  # a generation still running after its early answer
GREW = "qwen/suggestionGrew"
GREW_CAPABILITY = "qwenSuggestionGrew"  # under the client's `experimental` capabilities


async def ask_model(
    ls: QwenLanguageServer, uri: str, generate: m.Generate, plan: CompletionPlan
) -> tuple[m.Done | None, Going | None]:
    """The model's answer (None: superseded), and its generation if it goes on after it.

    An early text that post-processes to nothing is no answer: the whole one is awaited."""
    if not generate.answer_within_ms:
        return await ls.supersede(uri, ls.backend.request(generate)), None
    early: asyncio.Future[m.EarlyAnswer] = asyncio.get_running_loop().create_future()

    def answered(answer: m.EarlyAnswer) -> None:  # in the frame reader: before its Done
        if early.done() or not format_completion(answer.text, plan, ls.settings.completion):
            return
        u = answer.usage
        ls.stats.record_early_answer(
            answer.id, u.prompt_tokens, u.reused_tokens, u.generated_tokens, u.ttft_ms
        )
        early.set_result(answer)

    generation = asyncio.ensure_future(ls.backend.request(generate, on_early=answered))
    try:
        first = await ls.supersede(uri, _first(generation, early))
    except BaseException:
        generation.cancel()  # the client cancelled its request
        raise
    if not isinstance(first, m.EarlyAnswer):
        generation.cancel()  # superseded before it started waiting (else a no-op: it ended)
        return first, None
    _stay_in_flight(ls, uri, generation)
    return m.Done(first.id, first.text, "length", usage=first.usage), generation


async def _first(generation: Going, early: asyncio.Future[m.EarlyAnswer]):
    """The Done or the early answer, whichever comes first; cancelled, the generation stops."""
    try:
        await asyncio.wait([generation, early], return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        generation.cancel()
        raise
    return generation.result() if generation.done() else early.result()


def _stay_in_flight(ls: QwenLanguageServer, uri: str, generation: Going) -> None:
    """The next keystroke's `supersede` for `uri` cancels it (none holds the slot now)."""
    ls.inflight[uri] = generation

    def ended(task: Going) -> None:
        if ls.inflight.get(uri) is task:
            del ls.inflight[uri]

    generation.add_done_callback(ended)


async def remember_whole(
    ls: QwenLanguageServer,
    document: TextDocument,
    request: CompletionRequest,
    plan: CompletionPlan,
    generation: Going,
    position: types.Position,
) -> None:
    """When the generation ends, its whole suggestion replaces the early one (run this after
    the early one is in the typing cache)."""
    try:
        done = await asyncio.shield(generation)  # cancelling this task leaves it to `inflight`
    except (QwenError, asyncio.CancelledError) as exc:
        log.debug("no whole suggestion after the early one: %r", exc)
        return
    if done.finish_reason == "cancelled":
        return
    text = format_completion(done.text, plan, ls.settings.completion)
    if not text:
        return
    key = ls.acceptance.suggest(request.language_id, text)
    ls.typing_cache.remember_near(request.uri, *near(request), text, key)
    prefetch.served(ls, document, request, Hit(text, key, 0))  # what follows accepting it
    tell_grown(ls, document, request, position)


def tell_grown(
    ls: QwenLanguageServer,
    document: TextDocument,
    request: CompletionRequest,
    position: types.Position,
) -> None:
    """`qwen/suggestionGrew` to a client that asked for it, while its document is still the
    request's (open, same version) and no newer request for it is in flight."""
    experimental = ls.client_capabilities.experimental
    if not (isinstance(experimental, dict) and experimental.get(GREW_CAPABILITY) is True):
        return
    if ls.workspace.text_documents.get(request.uri) is not document:
        return  # closed (and maybe opened again) since
    if document.version != request.version or request.uri in ls.inflight:
        return
    ls.stats.suggestions_grew += 1
    where = {"line": position.line, "character": position.character}
    ls.protocol.notify(
        GREW, {"textDocument": {"uri": request.uri, "version": request.version}, "position": where}
    )
