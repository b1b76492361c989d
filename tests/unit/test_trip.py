"""The trip `qwen.stats` latency covers: a message's arrival is when the stdin reader
(lsp/stdio.py) read its first line, and a request's answer is counted once pygls has written it."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import count

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from qwen_lsp.lsp.protocol import QwenProtocol
from qwen_lsp.lsp.stdio import _read_messages
from qwen_lsp.lsp.trip import StampedStdin, arrival, when_answer_written


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
    stdin = StampedStdin(stream, clock=lambda: next(clock))
    stdin.readline()  # Content-Length: … (the message's first bytes)
    stdin.readline()  # the blank line: the same message
    stdin.read(len(json.dumps({"a": 1})))
    assert stdin.arrived_at == 100.0
    stdin.readline()
    assert stdin.arrived_at == 101.0  # the next message's first line
    stdin.readline()
    stdin.read(8)
    assert stdin.readline() == b"" and stdin.arrived_at == 101.0  # the end is no message


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
    stdin = StampedStdin(io.BytesIO(frame(change) + frame(request)), clock=lambda: next(clock))
    protocol.stdin = stdin
    with ThreadPoolExecutor(max_workers=1) as reader:
        await _read_messages(server, reader, threading.Event(), stdin, protocol)  # type: ignore[arg-type]
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
