"""Typing for hours keeps no record of each keystroke: pygls's map of handler futures is empty
again once the messages are handled (it kept every didChange's future: ~2.2 MB of the server's
memory per 1,000 keystrokes)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from qwen_lsp.lsp import create_server

pytestmark = pytest.mark.unit

URI = "file:///w/typed.py"


class _Sink:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))


def _session():
    server = create_server()
    protocol = server.protocol
    sink = _Sink()
    protocol.set_writer(sink, include_headers=False)

    def send(method: str, params: object, msg_id: int | None = None) -> None:
        message = {"jsonrpc": "2.0", "method": method, "params": params}
        if msg_id is not None:
            message["id"] = msg_id
        protocol.handle_message(
            json.loads(json.dumps(message), object_hook=protocol.structure_message)
        )

    return server, protocol, sink, send


async def _settle(protocol) -> None:
    for _ in range(200):  # done-callbacks of asyncio futures run a loop iteration later
        await asyncio.sleep(0.005)
        if not protocol._request_futures:
            return


def test_notifications_leave_no_futures_behind() -> None:
    async def main() -> None:
        server, protocol, sink, send = _session()
        send("initialize", {"capabilities": {}, "rootUri": "file:///w"}, msg_id=1)
        text = "def f():\n    return 1\n"
        document = {"uri": URI, "languageId": "python", "version": 1, "text": text}
        send("textDocument/didOpen", {"textDocument": document})
        for version in range(2, 302):  # a character typed at the end of the first line
            send(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": URI, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": 0, "character": 8},
                                "end": {"line": 0, "character": 8},
                            },
                            "text": "x",
                        }
                    ],
                },
            )
        send("workspace/executeCommand", {"command": "qwen.stats"}, msg_id=2)
        send("textDocument/didClose", {"textDocument": {"uri": URI}})
        await _settle(protocol)
        assert server.workspace.text_documents == {}
        assert [m["id"] for m in sink.sent if "id" in m and "result" in m] == [1, 2]
        assert protocol._request_futures == {}, f"{len(protocol._request_futures)} kept"

    asyncio.run(main())


def test_cancelled_requests_leave_no_futures_behind() -> None:
    async def main() -> None:
        server, protocol, sink, send = _session()

        @server.feature("qwen/test.slow")
        async def slow(ls: object, params: object) -> int:
            await asyncio.sleep(30)
            return 0

        for msg_id in range(1, 51):
            send("qwen/test.slow", {}, msg_id=msg_id)
            await asyncio.sleep(0)
            send("$/cancelRequest", {"id": msg_id})
        await _settle(protocol)
        cancelled = [m["id"] for m in sink.sent if m.get("error", {}).get("code") == -32800]
        assert cancelled == list(range(1, 51))
        assert protocol._request_futures == {}, f"{len(protocol._request_futures)} kept"

    asyncio.run(main())


def test_shutdown_with_thread_handlers_still_queued_is_answered() -> None:
    # pygls's shutdown cancels every future in the map while walking it; a queued thread
    # handler's future runs its done-callbacks at once, inside that walk.
    async def main() -> None:
        server, protocol, sink, send = _session()
        release = threading.Event()

        @server.thread()
        @server.feature("qwen/test.blocking")
        def blocking(ls: object, params: object) -> int:
            release.wait(10)
            return 0

        send("initialize", {"capabilities": {}, "rootUri": "file:///w"}, msg_id=1)
        for msg_id in range(2, 42):  # more than the pool's threads: most wait in its queue
            send("qwen/test.blocking", {}, msg_id=msg_id)
        send("shutdown", None, msg_id=99)
        release.set()
        await _settle(protocol)
        answer = next(m for m in sink.sent if m.get("id") == 99)
        assert "error" not in answer, answer
        assert protocol._request_futures == {}, f"{len(protocol._request_futures)} kept"

    asyncio.run(main())
