"""LSP over stdio as pygls serves it (`pygls.io_.run_async`), but a message is read in a thread
whole, and a big one decoded there too, a piece at a time (`engine/big_json.py`), lone
surrogates replaced: the event loop gets a 10 MB `didOpen` as a parsed message, not 70 ms of
`json.loads`, and its text's line index and chunks made (`text_document.prepare`). Anything
else, malformed JSON included, is decoded on the loop as pygls does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter
from pygls.server import JsonRPCServer

from ..engine import big_json
from .protocol import QwenProtocol, valid_unicode
from .text_document import prepare

log = logging.getLogger("qwen_lsp")
BIG_BODY = 1 << 20  # bytes: smaller messages take under ~5 ms to decode on the loop
_CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")


def serve(server: JsonRPCServer, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """pygls's `_start_io_async` with `_read_messages` for `run_async`."""
    protocol = server.protocol
    assert isinstance(protocol, QwenProtocol)
    server._stop_event = stop = threading.Event()  # pygls's `shutdown()` sets it
    protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    # One reader thread, started before the loop runs (pygls reads through a pool that started
    # another thread, on the loop, whenever a read came before the last one's thread was idle).
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qwen-stdin")
    reader.submit(int).result()
    try:
        asyncio.run(_read_messages(server, reader, stop, stdin or sys.stdin.buffer, protocol))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
        reader.shutdown(wait=False)


async def _read_messages(
    server: JsonRPCServer,
    reader: ThreadPoolExecutor,
    stop: threading.Event,
    stdin: BinaryIO,
    protocol: QwenProtocol,
) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        read = await loop.run_in_executor(reader, _read, stdin)
        if read is None:
            break
        body, decoded = read
        try:
            if decoded is None:
                message = json.loads(body, object_hook=protocol.structure_message)
            else:
                message = protocol.structure_valid(decoded)
            protocol.handle_message(message)
        except Exception as exc:
            log.exception("Unable to handle message")
            server.report_server_error(exc, JsonRpcException)  # as pygls reports it


def _read(stdin: BinaryIO) -> tuple[bytes, Any] | None:
    """The next message's body and, for a big one, its decoded value (else None); None at the
    end of the input. Headers are read as pygls reads them (only Content-Length counts)."""
    length = 0
    while header := stdin.readline():
        if not length and (match := _CONTENT_LENGTH.fullmatch(header)):
            length = int(match.group(1))
        if length and not header.strip():
            body = stdin.read(length)
            return (body, _decoded(body)) if body else None
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
