"""The stdin reader: messages framed as pygls frames them; a big one decoded in the thread into
what pygls's own decoding gives, anything else (malformed too) left to pygls on the loop."""

from __future__ import annotations

import io
import json

import pytest

from qwen_lsp.lsp import create_server
from qwen_lsp.lsp.stdio import BIG_BODY, _decoded, _read, serve

pytestmark = pytest.mark.unit

TEXT = "".join(f"def f{i}(x):  # 👋 ü '\\\"'\r\n    return x\r\n" for i in range(30_000))


def _frame(body: bytes, extra: bytes = b"") -> bytes:
    return b"Content-Length: %d\r\n%s\r\n" % (len(body), extra) + body


def _did_open(text: str) -> bytes:
    item = {"uri": "file:///a.py", "languageId": "python", "version": 1, "text": text}
    message = {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": item}}
    return json.dumps(message).encode()


def test_messages_are_read_one_by_one_until_the_end() -> None:
    small, big = b'{"jsonrpc": "2.0", "method": "x"}', _did_open(TEXT)
    stdin = io.BytesIO(_frame(small, b"Content-Type: application/json\r\n") + _frame(big))
    assert _read(stdin)[:2] == (small, None)  # type: ignore[index]  # small: decoded on the loop
    body, decoded, _ = _read(stdin)  # type: ignore[misc]
    assert body == big and decoded == json.loads(big)
    assert _read(stdin) is None


def test_a_big_message_structures_as_pygls_decodes_it() -> None:
    protocol = create_server().protocol
    body = _did_open(TEXT + "lone: \ud800 end")
    assert len(body) > BIG_BODY
    mine = protocol.structure_valid(_decoded(body))  # type: ignore[attr-defined]
    pygls = json.loads(body, object_hook=protocol.structure_message)
    assert mine == pygls
    assert mine.params.text_document.text.endswith("lone: \ufffd end")


@pytest.mark.parametrize(
    "body",
    [
        _did_open("short"),  # small
        _did_open(TEXT)[:-1],  # malformed: pygls reports it
        json.dumps({"jsonrpc": "2.0", "params": {"jsonrpc": "2.0", "t": TEXT}}).encode(),
        json.dumps([{"jsonrpc": "2.0", "t": TEXT}]).encode(),  # a batch
    ],
)
def test_other_bodies_are_left_to_pygls(body: bytes) -> None:
    assert _decoded(body) is None


def test_malformed_big_message_is_reported_and_the_next_one_served() -> None:
    bad = _did_open(TEXT)[:-2]  # big, cut short: decoded (and refused) by pygls on the loop
    good = b'{"jsonrpc": "2.0", "id": 7, "method": "shutdown"}'
    stdin, stdout = io.BytesIO(_frame(bad) + _frame(good)), io.BytesIO()
    serve(create_server(), stdin, stdout)  # returns at the end of the input
    out = stdout.getvalue()
    assert b'"method": "window/showMessage"' in out and b"Error in server" in out  # as pygls
    assert b'{"id": 7, "jsonrpc": "2.0", "result": null}' in out  # nothing after it lost


def test_a_big_opened_text_comes_with_its_line_index_and_chunks_made_in_the_thread() -> None:
    # Else the first keystroke right after the open makes them on the event loop (10 MB:
    # ~20 ms of CPU, several times that in wall time on a busy machine).
    from qwen_lsp.lsp.text_document import QwenDocument

    protocol = create_server().protocol
    message = protocol.structure_valid(_decoded(_did_open(TEXT)))  # type: ignore[attr-defined]
    text = message.params.text_document.text
    document = QwenDocument("file:///a.py", text, language_id="python")
    assert document.syntax is not None and document.syntax.structured()
    assert document.syntax.line(3) == "    return x\r"
    again = QwenDocument("file:///b.py", text, language_id="python")  # taken once
    assert again.syntax is not None and not again.syntax.structured()
    small = protocol.structure_valid(json.loads(_did_open("x = 1\n")))
    document = QwenDocument("file:///c.py", small.params.text_document.text, language_id="python")
    assert document.syntax is not None and not document.syntax.structured()
