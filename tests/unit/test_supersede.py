"""A request the client cancels leaves nothing of its own alive: no reference cycle keeps its
locals (a completion's request holds the document's text, 10 MB in a big file) until the cyclic
garbage collector happens to run."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from qwen_lsp.lsp.server import QwenLanguageServer

pytestmark = pytest.mark.unit


class _Text:
    """Stands for a document's text (str cannot be weakly referenced)."""


def test_a_cancelled_request_frees_what_it_held_without_the_garbage_collector() -> None:
    server = QwenLanguageServer()
    held: list[weakref.ref] = []

    async def handler() -> None:  # as inline_completion: holds the text across the await
        text = _Text()
        held.append(weakref.ref(text))
        await server.supersede("doc", asyncio.sleep(30))

    async def main() -> None:
        task = asyncio.ensure_future(handler())
        await asyncio.sleep(0.01)
        task.cancel()  # $/cancelRequest: pygls cancels the handler's task...
        while not task.done():
            await asyncio.sleep(0)
        assert task.cancelled()  # ...and, as pygls, only asks whether it was cancelled
        del task

    gc.disable()
    try:
        asyncio.run(main())
        assert held and held[0]() is None, "the cancelled request's locals are still alive"
    finally:
        gc.enable()
