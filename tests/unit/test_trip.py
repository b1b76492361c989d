"""The trip `qwen.stats` latency covers: a message's arrival is when the stdin reader
(lsp/stdio.py), a thread reading ahead of the loop, read its first line, and a request's answer
is counted once pygls has written it."""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time
from itertools import count

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from qwen_lsp.lsp.protocol import QwenProtocol
from qwen_lsp.lsp.stdio import _read, _read_messages
from qwen_lsp.lsp.trip import arrival, when_answer_written

BUSY_S = 0.2


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


class FakeStdout:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


def test_each_message_is_stamped_at_its_first_line():
    stream = io.BytesIO(frame({"a": 1}) + frame({"b": 2}))
    clock = count(100.0)
    first = _read(stream, clock=lambda: next(clock))  # type: ignore[arg-type]
    assert first is not None and first.at == 100.0 and json.loads(first.body) == {"a": 1}
    second = _read(stream, clock=lambda: next(clock))  # type: ignore[arg-type]
    assert second is not None and second.at == 101.0  # the next message's first line
    assert _read(stream, clock=lambda: next(clock)) is None  # type: ignore[arg-type]  # the end


async def test_a_message_is_stamped_when_it_comes_while_the_loop_is_busy():
    """The reading thread reads ahead: a message written while a handler holds the loop is
    stamped then, not when the loop is free to take it."""
    server = LanguageServer("trip-test", "0", protocol_cls=QwenProtocol)
    protocol = server.protocol
    assert isinstance(protocol, QwenProtocol)
    protocol.set_writer(FakeStdout())
    seen: dict[str, float] = {}
    read_fd, write_fd = os.pipe()
    stdin = os.fdopen(read_fd, "rb")

    @server.feature("test/busy")
    def busy(ls: LanguageServer, params: object) -> None:
        seen["written"] = time.perf_counter()
        os.write(write_fd, frame({"jsonrpc": "2.0", "method": "test/next", "params": {}}))
        time.sleep(BUSY_S)  # the loop is held; the next message is in the pipe meanwhile
        seen["freed"] = time.perf_counter()

    @server.feature("test/next")
    def after(ls: LanguageServer, params: object) -> None:
        seen["next"] = arrival()
        os.close(write_fd)  # the end of the input

    os.write(write_fd, frame({"jsonrpc": "2.0", "method": "test/busy", "params": {}}))
    await _read_messages(server, threading.Event(), stdin, protocol)  # type: ignore[arg-type]
    stdin.close()
    assert seen["written"] <= seen["next"] < seen["freed"] - BUSY_S / 2, seen


async def test_handlers_see_their_message_arrival_and_answers_are_counted_once_written():
    server = LanguageServer("trip-test", "0", protocol_cls=QwenProtocol)
    protocol = server.protocol
    assert isinstance(protocol, QwenProtocol)
    stdout = FakeStdout()
    protocol.set_writer(stdout)
    seen: dict[str, float] = {}
    written: list[tuple[float, int]] = []  # (when, how many writes had been made by then)

    @server.feature("test/changed")  # a keystroke, without pygls's own document handling
    def changed(ls: LanguageServer, params: object) -> None:
        seen["change"] = arrival()

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION)
    async def complete(ls: LanguageServer, params: types.InlineCompletionParams):
        await asyncio.sleep(0)  # an answer that takes a turn of the loop
        seen["request"] = arrival()
        when_answer_written(ls, lambda at: written.append((at, len(stdout.written))))  # type: ignore[arg-type]
        return types.InlineCompletionList(items=[])

    uri = "file:///t.py"
    change = {"jsonrpc": "2.0", "method": "test/changed", "params": {"uri": uri}}
    request = {
        "jsonrpc": "2.0",
        "id": 7,
        "method": "textDocument/inlineCompletion",
        "params": {
            "textDocument": {"uri": uri},
            "position": {"line": 0, "character": 1},
            "context": {"triggerKind": 2},
        },
    }
    clock = count(1000.0)
    stdin = io.BytesIO(frame(change) + frame(request))
    await _read_messages(server, threading.Event(), stdin, protocol, lambda: next(clock))  # type: ignore[arg-type]
    for _ in range(10):
        await asyncio.sleep(0)
    # The fake clock stamped each message as the reader read it, in order.
    assert seen == {"change": 1000.0, "request": 1001.0}
    # Counted after the answer to request 7 went to stdout, not before.
    assert len(written) == 1 and written[0][1] == 1
    assert b'"id": 7' in stdout.written[0]


def test_off_stdio_the_arrival_is_now():
    start = time.perf_counter()
    assert start <= arrival() <= time.perf_counter()
