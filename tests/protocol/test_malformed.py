"""Malformed and out-of-range requests, sent as raw JSON-RPC: each gets an error, none kills it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/a.py"


class RawClient:
    """Just enough JSON-RPC over stdio to send what a typed client refuses to build."""

    def __init__(self, model: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qwen_lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.next_id = 0
        self.request("initialize", {"capabilities": {}, "initializationOptions": {"model": model}})
        self.notify("initialized", {})

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: object) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: object) -> dict:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == self.next_id and "method" not in message:
                return message

    def read(self) -> dict:
        assert self.proc.stdout is not None
        length = 0
        while (line := self.proc.stdout.readline().strip()) != b"":
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def close(self) -> None:
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Iterator[RawClient]:
    # No model is needed to validate requests: a missing one keeps this test fast.
    client = RawClient(str(tmp_path_factory.mktemp("m") / "absent"))
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": "x = 1\n"}},
    )
    yield client
    client.close()


def inline(position: object) -> dict:
    return {"textDocument": {"uri": URI}, "position": position, "context": {"triggerKind": 2}}


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(inline({"line": 40, "character": 0}), id="line-past-the-end"),
        pytest.param(inline({"line": -1, "character": 0}), id="negative-line"),
        pytest.param(inline({"line": "four"}), id="wrong-type"),
        pytest.param({"textDocument": {"uri": URI}}, id="missing-position"),
        pytest.param([1, 2, 3], id="params-not-an-object"),
    ],
)
def test_bad_completion_requests_are_invalid_params(raw: RawClient, params):
    answer = raw.request("textDocument/inlineCompletion", params)
    assert answer["error"]["code"] == -32602, answer


def test_document_never_opened_gets_an_answer(raw: RawClient):
    params = inline({"line": 0, "character": 0})
    params["textDocument"]["uri"] = "file:///work/demo/never-opened.py"
    answer = raw.request("textDocument/inlineCompletion", params)
    assert answer["result"] == {"items": []}


def test_server_still_serves_after_bad_input(raw: RawClient):
    before = raw.request("workspace/executeCommand", {"command": "qwen.stats"})["result"]
    for params in ([1, 2, 3], inline({"line": -1, "character": 0}), {"textDocument": {}}):
        assert raw.request("textDocument/inlineCompletion", params)["error"]["code"] == -32602
    answer = raw.request("textDocument/inlineCompletion", inline({"line": 0, "character": 5}))
    assert answer["result"] == {"items": []}  # a valid request is still handled (no model here)
    after = raw.request("workspace/executeCommand", {"command": "qwen.stats"})["result"]
    assert after["requests"] == before["requests"] + 1  # bad ones never reached a handler
    assert raw.proc.poll() is None


def test_unknown_method_is_method_not_found(raw: RawClient):
    assert raw.request("qwen/noSuchThing", {})["error"]["code"] == -32601
