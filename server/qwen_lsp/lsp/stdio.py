"""LSP over stdio as pygls serves it (`pygls.io_.run_async`), but messages are read by a thread
of their own, ahead of the loop, each whole and stamped with when it came; a big one is decoded
there too, a piece at a time (`engine/big_json.py`), lone surrogates replaced: the event loop
gets a 10 MB `didOpen` as a parsed message, not 70 ms of `json.loads`, and its text's line index
and chunks made (`text_document.prepare`). Anything else, malformed JSON included, is decoded on
the loop as pygls does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO, NamedTuple

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.server import JsonRPCServer

from ..engine import big_json
from .protocol import QwenProtocol, valid_unicode
from .text_document import prepare

log = logging.getLogger("qwen_lsp")
BIG_BODY = 1 << 20  # bytes: smaller messages take under ~5 ms to decode on the loop
EXIT_GRACE_S = 3.0  # for the tasks left at exit: a worker being stopped gets its own 3 s grace
_CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")


def serve(server: JsonRPCServer, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """pygls's `_start_io_async` with `_read_messages` for `run_async`."""
    protocol = server.protocol
    assert isinstance(protocol, QwenProtocol)
    server._stop_event = stop = threading.Event()  # pygls's `shutdown()` sets it
    protocol.set_writer(ClosingWriter(stdout or sys.stdout.buffer))
    try:
        run_until_exit(_read_messages(server, stop, stdin or sys.stdin.buffer, protocol))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


def run_until_exit(main: Coroutine[Any, Any, None]) -> None:
    """`asyncio.run`, but the tasks left at the end get EXIT_GRACE_S to finish: in Python 3.11 a
    task cancelled while it starts the worker process never ends (its child is never watched),
    and `asyncio.run` waits for it forever (a client that sent `exit` right after `initialized`)."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(main)
    finally:
        try:
            if left := asyncio.all_tasks(loop):
                for task in left:
                    task.cancel()
                loop.run_until_complete(asyncio.wait(left, timeout=EXIT_GRACE_S))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


class ClosingWriter(StdoutWriter):
    """Writes after `exit` closed the output are dropped: for a client that sent `exit` before
    its answers came, pygls reports each failed write through the same writer, without end."""

    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()

    def write(self, data: bytes) -> None:
        if not self.closed:
            super().write(data)


async def _read_messages(
    server: JsonRPCServer,
    stop: threading.Event,
    stdin: BinaryIO,
    protocol: QwenProtocol,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Each message handled on the loop, in order, as the reading thread hands it over with
    the moment it came: the thread reads ahead, so a message that comes while the loop is busy
    is stamped then, not when the loop is free again (lsp/trip.py)."""
    loop = asyncio.get_running_loop()
    reads: asyncio.Queue[Read | None] = asyncio.Queue()
    reader = threading.Thread(
        target=_read_ahead, args=(stdin, loop, reads, clock), name="qwen-lsp-stdin", daemon=True
    )
    reader.start()
    while not stop.is_set() and (read := await reads.get()) is not None:
        protocol.arrived_at = read.at
        try:
            if read.decoded is None:
                message = json.loads(read.body, object_hook=protocol.structure_message)
            else:
                message = protocol.structure_valid(read.decoded)
            protocol.handle_message(message)
        except Exception as exc:
            log.exception("Unable to handle message")
            server.report_server_error(exc, JsonRpcException)  # as pygls reports it
        await asyncio.sleep(0)  # what it started takes its first step before the next message


class Read(NamedTuple):
    body: bytes
    decoded: Any  # a big message's value, decoded in the thread; None: pygls decodes it
    at: float  # when its first line was read (`time.perf_counter()`)


def _read_ahead(
    stdin: BinaryIO, loop: asyncio.AbstractEventLoop, reads: asyncio.Queue, clock: Callable
) -> None:
    """The reading thread: every message to the loop as soon as it is read; None at the end."""
    stream = _own_reader(stdin)
    try:
        while (read := _read(stream, clock)) is not None:
            loop.call_soon_threadsafe(reads.put_nowait, read)
    except Exception:  # a stream that fails ends the session as its end does
        log.exception("Unable to read from stdin")
    with contextlib.suppress(RuntimeError):  # the loop closed first (exit)
        loop.call_soon_threadsafe(reads.put_nowait, None)


def _own_reader(stdin: BinaryIO) -> BinaryIO:
    """A reader of stdin's descriptor not shared with `sys.stdin`: at exit, Python closes
    `sys.stdin`, which would wait on the lock that this thread's blocked read holds."""
    try:
        return open(stdin.fileno(), "rb", closefd=False)  # the thread's own
    except (AttributeError, OSError, ValueError):  # no descriptor (a test's BytesIO)
        return stdin


def _read(stdin: BinaryIO, clock: Callable[[], float] = time.perf_counter) -> Read | None:
    """The next message: its body, its decoded value for a big one (else None) and when its
    first line came; None at the end of the input. Headers are read as pygls reads them (only
    Content-Length counts)."""
    length, at = 0, None
    while header := stdin.readline():
        at = clock() if at is None else at
        if not length and (match := _CONTENT_LENGTH.fullmatch(header)):
            length = int(match.group(1))
        if length and not header.strip():
            body = stdin.read(length)
            return Read(body, _decoded(body), at) if body else None
    return None


def _decoded(body: bytes) -> Any:
    """A big message decoded here, as `json.loads(body, object_hook=structure_message)` would
    give it before structuring; None for pygls to decode (small, malformed, unusual)."""
    if len(body) < BIG_BODY:
        return None
    messages: list[dict] = []

    def hook(value: dict) -> dict:
        if "jsonrpc" in value:  # pygls structures every such object, the outer one last
            messages.append(value)
        return value

    try:
        value = big_json.loads(body, clean=valid_unicode, object_hook=hook)
    except Exception:  # malformed, or not for pieces: on the loop, as before
        return None
    if len(messages) != 1 or not isinstance(value, dict) or "jsonrpc" not in value:
        return None
    if value.get("method") == "textDocument/didOpen":
        with contextlib.suppress(AttributeError, KeyError, TypeError):  # malformed: pygls says
            text = value["params"]["textDocument"]["text"]
            if isinstance(text, str):
                prepare(text)
    return value
