"""Cancellable work-done progress around a model run."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from lsprotocol import types

from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
T = TypeVar("T")
Report = Callable[[str], None]


async def with_progress(
    ls: QwenLanguageServer, title: str, work: Callable[[Report], Coroutine[Any, Any, T]]
) -> T | None:
    """Run `work` under cancellable work-done progress; None when the user cancelled it.

    Cancelling the progress cancels the work, and with it the model request (the backend sends
    the worker a Cancel). A cancelled request ($/cancelRequest) propagates as usual.
    """
    token = await _create_progress(ls)
    report: Report = lambda text: None  # noqa: E731
    if token is not None:
        report = lambda text: ls.work_done_progress.report(  # noqa: E731
            token, types.WorkDoneProgressReport(message=text)
        )
    task = asyncio.ensure_future(work(report))
    if token is not None:
        begin = types.WorkDoneProgressBegin(title=title, cancellable=True)
        ls.work_done_progress.begin(token, begin)
        cancelled = ls.work_done_progress.tokens[token]
        cancelled.add_done_callback(lambda f: f.cancelled() and task.cancel())
    try:
        return await _await(task)
    finally:
        if token is not None:
            ls.work_done_progress.tokens.pop(token, None)
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd())


async def _await(task: Awaitable[T]) -> T | None:
    try:
        return await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the request itself was cancelled
        return None


async def _create_progress(ls: QwenLanguageServer) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"qwen-action-{uuid.uuid4().hex[:8]}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as exc:
        log.info("no progress for this action: %s", exc)
        return None
    return token
