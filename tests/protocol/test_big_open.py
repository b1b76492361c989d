"""A big document (decoded in the server's reader thread, a piece at a time) edited the moment
it is opened: the edits land where the client meant them, past emoji, CRLF and a lone
surrogate, and the requests that follow are answered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from qwen_lsp.lsp.stdio import BIG_BODY

from .raw_client import RawClient

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/big.py"
# Mostly one string literal (a tree within the parse budget), then functions: emoji, CRLF.
FILLER = 40_000  # lines
FUNCTIONS = 300
TARGET = 211  # the function edited
TEXT = (
    '"""'
    + "".join(f"lorem ipsum {i} 👋 ü dolor sit amet\r\n" for i in range(FILLER))
    + '"""\r\ndef f0(x):  # \'\ud800\'\r\n    return x\r\n'
    + "".join(f"def f{i}(x):  # 👋 ü\r\n    return '日本' + x\r\n" for i in range(1, FUNCTIONS))
)


def _units(line: str) -> int:
    return len(line.encode("utf-16-le", "surrogatepass")) // 2


def _insert(line: int, character: int, text: str) -> dict:
    at = {"line": line, "character": character}
    return {"range": {"start": at, "end": at}, "text": text}


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Iterator[RawClient]:
    client = RawClient({"model": str(tmp_path_factory.mktemp("m") / "absent")})  # no model
    yield client
    client.close()


def test_edits_right_after_a_big_open_land_where_meant(raw: RawClient) -> None:
    item = {"uri": URI, "languageId": "python", "version": 1, "text": TEXT}
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": item})
    assert len(body.encode()) > BIG_BODY  # decoded in the reader thread
    row = FILLER + 1 + 2 * TARGET
    def_line = f"def renamed_f{TARGET}(x):  # 👋 ü"
    raw.notify("textDocument/didOpen", {"textDocument": item})
    raw.notify(  # at once, before the server has indexed the text
        "textDocument/didChange",
        {
            "textDocument": {"uri": URI, "version": 2},
            "contentChanges": [
                _insert(row, 4, "renamed_"),
                _insert(row, _units(def_line), "🎉\r\n    y = 1"),  # past the emoji
            ],
        },
    )
    completion = raw.request(
        "textDocument/inlineCompletion",
        {
            "textDocument": {"uri": URI},
            "position": {"line": row + 1, "character": 9},
            "context": {"triggerKind": 2},
        },
    )
    assert completion["result"] == {"items": []}, completion  # answered (no model here)
    wanted = f"Write tests with Qwen: renamed_f{TARGET}"
    deadline = time.monotonic() + 60
    while True:  # the document's tree comes from the indexing thread
        titles = _titles(raw, row + 1)
        if wanted in titles or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert wanted in titles, titles
    assert f"Write tests with Qwen: f{TARGET + 1}" in _titles(raw, row + 3)  # the next one
    assert "Write tests with Qwen: f0" in _titles(raw, FILLER + 2)  # a lone surrogate is harmless


def _titles(raw: RawClient, line: int) -> list[str]:
    span = {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}
    params = {"textDocument": {"uri": URI}, "range": span, "context": {"diagnostics": []}}
    answer = raw.request("textDocument/codeAction", params)
    assert "result" in answer, answer
    return [action["title"] for action in answer["result"]]
