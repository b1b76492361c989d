"""Pre-warm for Enter: while the cursor rests at the end of a line of code, the prompt a
keystroke would send after Enter is prefilled at background priority.

After Enter the finished line joins the FIM prefix, so every token of the suffix after it changes
place and a keystroke there reads the whole suffix again. Here that prompt (the finished line in
the prefix, the editor's indentation on the new line) goes into the document's alternate KV cache
(messages.ALTERNATE), started from a copy of its own; the worker gives the Enter keystroke
whichever of the two caches shares more of its prompt. A keystroke that is not Enter stops it.
"""

from __future__ import annotations

import asyncio
import weakref

from .. import messages as m
from ..engine.completion import CompletionRequest, should_complete
from ..engine.grammars import language_for
from ..engine.indentation import enter_text
from .completion_plan import generate_for, plan_for
from .positions import open_document
from .prefetch import send_background, state_of
from .server import QwenLanguageServer

REST_S = 0.25  # the cursor rests this long at a line's end (a burst's keys come faster)
NEAR = 4000  # characters either side that tell the indentation (indent_unit reads as much)
ALTERNATE_KEY = m.ALTERNATE + "enter"
# Pre-warms sent: the next keystroke leaves them to the worker (Enter joins one, others stop it).
_SENT: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()


def rested(ls: QwenLanguageServer, request: CompletionRequest) -> None:
    """A completion request came for `request`'s state: a pre-warm for Enter there follows
    after REST_S unless a newer request comes first."""
    key = _key(request.uri)
    if (waiting := ls.inflight.pop(key, None)) is not None and waiting not in _SENT:
        waiting.cancel()
    settings = ls.settings
    completion = settings.completion
    if not (completion.enter_prewarm and completion.prewarm and completion.enabled):
        return
    if settings.backend != "local":  # only the worker keeps a document's alternate cache
        return
    task = ls.background(_warm(ls, request))
    ls.inflight[key] = task

    def ended(done: asyncio.Task) -> None:
        if ls.inflight.get(key) is done:
            del ls.inflight[key]

    task.add_done_callback(ended)


async def _warm(ls: QwenLanguageServer, request: CompletionRequest) -> None:
    await asyncio.sleep(REST_S)
    document = open_document(ls, request.uri)
    if document is None or (document.version or 0) != request.version:
        return  # changed meanwhile: its own request comes (or came) with its own rest
    text, offset = request.text, request.offset
    language = language_for(request.path, request.language_id)
    near = text[max(0, offset - NEAR) : offset], text[offset : offset + NEAR]
    enter = enter_text(*near, language)
    if enter is None or not should_complete(request):
        return
    state = state_of(ls, request).accepting(enter)
    following = state.request(request)  # the text near the cursor: a big text is not copied
    row = state.row + following.text.count("\n", 0, following.offset)
    plan = plan_for(ls, document, following, row)
    warm = generate_for(ls, following, plan, "background", max_tokens=0, alternate=ALTERNATE_KEY)
    warm.job = f"enter:{request.uri}"  # a newer one replaces it in the worker
    warm.max_time_ms = 0  # nobody waits for it
    ls.stats.background.enter_prewarms += 1
    if (task := asyncio.current_task()) is not None:
        _SENT.add(task)
    await send_background(ls, warm)


def _key(uri: str) -> str:
    return f"enter:{uri}"
