"""Work before it is asked for, at background priority (what and when: engine/prefetch.py).

Pre-warm: on didOpen, and on `qwen/didFocus` {textDocument, position} (the clients send it when
a document becomes the active editor), the prompt a keystroke at the cursor would send is
prefilled into the document's KV cache. Next suggestion: after a suggestion is served, the one
that would follow its acceptance goes into the typing cache.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument

from .. import messages as m
from ..engine.completion import (
    CompletionRequest,
    format_completion,
    should_complete,
    text_window,
)
from ..engine.prefetch import State, can_prewarm
from ..engine.typing_cache import Hit
from ..errors import QwenError
from .acceptance import field_of
from .completion_plan import generate_for, plan_for, snapshot
from .positions import offset_at, open_document, syntax_of, text_length
from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
DID_FOCUS = "qwen/didFocus"
OPEN_GRACE_S = 0.2  # a client that follows didOpen with qwen/didFocus names the cursor meanwhile
# A request waits this long for the next suggestion made for it (it may be queued behind a long
# job at background priority); then it asks the model itself, unless that one is generating.
JOIN_WAIT_S = 1.0
# Pre-warms sent: a keystroke leaves them to the local worker (it joins one filling its prompt).
_SENT: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()


def register(server: QwenLanguageServer) -> None:
    server.feature(DID_FOCUS)(did_focus)
    server.document_events.opened.append(did_open)
    server.document_events.closed.append(did_close)


def did_open(ls: QwenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    # The cursor is not known: warm the end, where a new file is typed (qwen/didFocus corrects).
    if (document := open_document(ls, params.text_document.uri)) is not None:
        ls.recent_opens.append(document.uri)
        ls.background(_prewarm(ls, document, None, OPEN_GRACE_S))


def did_focus(ls: QwenLanguageServer, params: Any) -> None:
    position = field_of(params, "position")
    document = open_document(ls, str(field_of(field_of(params, "textDocument"), "uri")))
    line, character = field_of(position, "line"), field_of(position, "character")
    if document is None or not isinstance(line, int) or not isinstance(character, int):
        return  # a document never opened, or a malformed notification: nothing to warm
    ls.background(_prewarm(ls, document, types.Position(line=line, character=character)))


def did_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri in ls.recent_opens:
        ls.recent_opens.remove(uri)
    ls.warm_prompts.forget(uri)
    if (task := ls.upcoming.forget(uri)) is not None:
        task.cancel()
    _cancel_prewarm(ls, uri)


async def _prewarm(
    ls: QwenLanguageServer, document: TextDocument, at: types.Position | None, delay: float = 0
) -> None:
    """Prefill the prompt at `at` (None: the end); a newer pre-warm of the document replaces it."""
    await ls.supersede(_prewarm_key(document.uri), _fill(ls, document, at, delay))


async def _fill(
    ls: QwenLanguageServer, document: TextDocument, at: types.Position | None, delay: float
) -> None:
    settings = ls.settings
    if not (settings.completion.prewarm and can_prewarm(settings.backend)):
        return
    await asyncio.sleep(delay)
    if at is None and document.uri not in ls.recent_opens:
        return  # one of many opened at once (a restored session): only the last few are warmed
    try:
        offset = text_length(document) if at is None else offset_at(document, at)
    except JsonRpcInvalidParams:
        return  # a position outside the document
    request = snapshot(ls, document, offset)
    if not settings.completion.enabled or not should_complete(request):
        return  # a keystroke there would not ask either
    plan = plan_for(ls, document, request, _row(document, request))
    if ls.warm_prompts.holds(request.uri, plan.prompt):
        return  # the document's KV cache holds it already
    ls.stats.background.prewarms += 1
    if (task := asyncio.current_task()) is not None:
        _SENT.add(task)
    warm = generate_for(ls, request, plan, "background", max_tokens=0)
    warm.max_time_ms = 0  # nobody waits for it: completion.timeoutMs would cut it short
    await send_background(ls, warm)


def _prewarm_key(uri: str) -> str:
    return f"prewarm:{uri}"


def _cancel_prewarm(ls: QwenLanguageServer, uri: str, sent_too: bool = True) -> None:
    if (task := ls.inflight.get(_prewarm_key(uri))) is not None and (sent_too or task not in _SENT):
        task.cancel()


async def settle(ls: QwenLanguageServer, request: CompletionRequest) -> None:
    """A request came: it keeps its document's cache warm itself, so a pre-warm still to come
    would only move it elsewhere: cancel it (one the worker has already is the worker's to stop
    or to finish for this request). Wait for a next suggestion made for this very
    state; cancel one the user has left (typing the suggestion through keeps it)."""
    _cancel_prewarm(ls, request.uri, sent_too=ls.settings.backend != "local")
    wait, cancel = ls.upcoming.settle(request.uri, state_of(ls, request))
    if cancel is not None:
        cancel.cancel()
    if wait is not None:
        await asyncio.wait([wait], timeout=JOIN_WAIT_S)  # never cancels it
        if not wait.done() and ls.upcoming.running(request.uri):
            await asyncio.wait([wait])  # generating for this very state: sooner than anew


def served(
    ls: QwenLanguageServer, document: TextDocument, request: CompletionRequest, hit: Hit
) -> None:
    """`hit` is on screen at `request`: compute the suggestion that follows accepting it."""
    if not hit.typed and ls.upcoming.computed_ahead(hit.key):
        ls.stats.background.next_suggestion_hits += 1
    if not ls.settings.completion.next_suggestion or hit.typed:
        return  # typed-through: the state after accepting it is that of the whole suggestion
    state = state_of(ls, request).accepting(hit.rest)
    following = state.request(request)  # the text near the cursor: a big text is not copied
    known = ls.typing_cache.find_near(request.uri, *_near(state))
    if not should_complete(following) or (known is not None and known.rest.strip()):
        return
    task = ls.background(_next_suggestion(ls, document, following, state))
    if (superseded := ls.upcoming.start(request.uri, state, task)) is not None:
        superseded.cancel()
    task.add_done_callback(lambda done: ls.upcoming.finished(request.uri, done))


async def _next_suggestion(
    ls: QwenLanguageServer, document: TextDocument, request: CompletionRequest, state: State
) -> None:
    # Started while answering: pygls writes that answer in a callback queued behind this
    # task's first step, so the prompt is built after it (the user waits for the answer).
    await asyncio.sleep(0)
    row = state.row + request.text.count("\n", 0, request.offset)
    plan = plan_for(ls, document, request, row)
    generate = generate_for(ls, request, plan, "background")
    generate.stream = True  # its first text says it has left the queue
    task = asyncio.current_task()
    began = None if task is None else lambda _: ls.upcoming.generating(request.uri, task)
    done = await send_background(ls, generate, began)
    if done is None or done.finish_reason == "cancelled":
        return
    text = format_completion(done.text, plan, ls.settings.completion)
    if text:
        key = ls.acceptance.suggest(request.language_id, text)
        ls.typing_cache.remember_near(request.uri, *_near(state), text, key)
        ls.upcoming.kept(key)
        ls.stats.background.next_suggestions += 1


def state_of(ls: QwenLanguageServer, request: CompletionRequest) -> State:
    """`request`'s cursor as background work keeps it (a snapshot of the document as it is)."""
    document = open_document(ls, request.uri)
    syntax = syntax_of(document) if document is not None else None
    current = syntax is not None and syntax.revision == request.revision
    row_of = syntax.row_of if syntax is not None and current else None
    return State.of(request, text_window(ls.settings.context), row_of)


def _near(state: State) -> tuple[int, str, int, str]:
    """What the typing cache reads around the state's cursor."""
    return state.offset, state.before, state.after_len, state.after


def _row(document: TextDocument, request: CompletionRequest) -> int:
    """The row of `request`'s cursor in the document it was read from: its line index knows it."""
    syntax = syntax_of(document)
    if syntax is not None and syntax.revision == request.revision:
        return syntax.row_of(request.cursor)
    return request.base_row + request.text.count("\n", 0, request.offset)


async def send_background(
    ls: QwenLanguageServer, generate: m.Generate, on_chunk: Callable[[str], None] | None = None
) -> m.Done | None:
    ls.background_requests.append(generate)  # its Done is counted apart (server.on_done)
    try:
        return await ls.backend.request(generate, on_chunk)
    except QwenError as exc:
        log.debug("background request failed: %s", exc)
        return None
