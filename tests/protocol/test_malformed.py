"""Malformed and out-of-range requests, sent as raw JSON-RPC: each gets an error, none kills it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .raw_client import RawClient

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/a.py"


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Iterator[RawClient]:
    # No model is needed to validate requests: a missing one keeps this test fast.
    client = RawClient({"model": str(tmp_path_factory.mktemp("m") / "absent")})
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


def test_lone_surrogates_in_a_document_are_not_fatal(raw: RawClient):
    uri = "file:///work/demo/surrogate.py"
    text = "def f():\n    s = '\ud800'\n    return s\n"
    raw.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    span = {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 4}}
    params = {"textDocument": {"uri": uri}, "range": span, "context": {"diagnostics": []}}
    answer = raw.request("textDocument/codeAction", params)
    assert "result" in answer, answer  # the actions of `f` are listed, not an internal error
