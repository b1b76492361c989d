"""The whole trip the server sees, for `qwen.stats` latency: from when a message's first bytes
are read off stdin to when its answer has been written and flushed to stdout.

Over stdio a message (header lines, then the body) is read in a thread (lsp/stdio.py), then
handled on the event loop, and only then is the next read: the last message read is the one
being handled. A reader that reads ahead must hand each message's own stamp to
`handle_message` (set `stdin.arrived_at` to it just before), or later ones would be taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, BinaryIO

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


class StampedStdin:
    """stdin as pygls reads it, noting when each message's first line came (in the reading
    thread, before the event loop, busy with other work, gets to it)."""

    def __init__(self, stream: BinaryIO, clock: Callable[[], float] = time.perf_counter) -> None:
        self._stream = stream
        self._clock = clock
        self._between_messages = True
        self.arrived_at: float | None = None

    def readline(self) -> bytes:
        line = self._stream.readline()
        if line and self._between_messages:
            self.arrived_at = self._clock()
            self._between_messages = False
        return line

    def read(self, size: int) -> bytes:
        body = self._stream.read(size)
        self._between_messages = True  # the body ends the message
        return body


class TripTimes(LanguageServerProtocol):
    """Each message handled knows its arrival; a request's callback runs once its answer is
    written (pygls writes and flushes stdout synchronously in `_send_response`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stdin: StampedStdin | None = None
        self._on_written: dict[Any, Written] = {}

    def handle_message(self, message: Any) -> None:
        _ARRIVED.set(self.stdin.arrived_at if self.stdin is not None else None)
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
