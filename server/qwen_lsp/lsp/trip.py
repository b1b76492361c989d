"""The whole trip the server sees, for `qwen.stats` latency: from when a message's first bytes
are read off stdin to when its answer has been written and flushed to stdout.

Over stdio a thread reads messages as they come, ahead of the event loop (lsp/stdio.py), and
hands each to the loop with its stamp, set as `arrived_at` just before `handle_message`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from .server import QwenLanguageServer

Written = Callable[[float], None]

# When the message being handled arrived; handlers (and their tasks) see it in their context.
_ARRIVED: ContextVar[float | None] = ContextVar("qwen_arrived", default=None)


def arrival() -> float:
    """When the message being handled arrived (`time.perf_counter()`); now, off stdio."""
    arrived = _ARRIVED.get()
    return time.perf_counter() if arrived is None else arrived


class TripTimes(LanguageServerProtocol):
    """Each message handled knows its arrival; a request's callback runs once its answer is
    written (pygls writes and flushes stdout synchronously in `_send_response`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived_at: float | None = None  # the message about to be handled: when it came
        self._on_written: dict[Any, Written] = {}

    def handle_message(self, message: Any) -> None:
        _ARRIVED.set(self.arrived_at)
        super().handle_message(message)  # runs the handler in a copy of this context

    def when_written(self, msg_id: Any, callback: Written) -> None:
        self._on_written[msg_id] = callback

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        written = self._on_written.pop(msg_id, None)
        super()._send_response(msg_id, result, error)
        if written is not None:
            written(time.perf_counter())


def when_answer_written(ls: QwenLanguageServer, callback: Written) -> None:
    """`callback(written_at)` once the answer to the request being handled is on its way;
    at once where there is no request (a handler called directly)."""
    protocol = ls.protocol
    msg_id = protocol.msg_id
    if msg_id is None or not isinstance(protocol, TripTimes):
        callback(time.perf_counter())
    else:
        protocol.when_written(msg_id, callback)
