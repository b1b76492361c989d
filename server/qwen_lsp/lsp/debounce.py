"""The server's wait before a keystroke's request asks the model (`completion.debounceMs`).

The clients ask on every change, at once: an answer the typing cache holds goes back without
waiting. Only a request that needs the model waits, counted from the keystroke, so that a fast
typist's keystrokes do not each start a generation. The document's next change, a newer
request for it, or the client's `$/cancelRequest` ends the wait, and the model is not asked.
"""

from __future__ import annotations

import asyncio
import time

from lsprotocol import types

from .server import QwenLanguageServer


def register(server: QwenLanguageServer) -> None:
    server.document_events.changed.append(did_change)


async def wait_to_ask(
    ls: QwenLanguageServer, uri: str, since: float, trigger: types.InlineCompletionTriggerKind
) -> float | None:
    """Wait until `completion.debounceMs` after `since` (the keystroke; asked on purpose: no
    wait): the milliseconds waited, or None when the document changed or a newer request
    came first. A cancel by the client raises."""
    left = ls.settings.completion.debounce_ms / 1000 - (time.perf_counter() - since)
    if left <= 0 or trigger == types.InlineCompletionTriggerKind.Invoked:
        return 0.0
    began = time.perf_counter()
    try:
        if await ls.supersede(_key(uri), asyncio.sleep(left, True)):
            return (time.perf_counter() - began) * 1000
    except asyncio.CancelledError:
        ls.stats.debounced += 1  # the client cancelled it
        raise
    ls.stats.debounced += 1
    return None


def did_change(ls: QwenLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    if (waiting := ls.inflight.get(_key(params.text_document.uri))) is not None:
        waiting.cancel()  # typing on: the request it waits for is for a text already gone


def _key(uri: str) -> str:
    return f"debounce:{uri}"
