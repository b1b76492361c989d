"""Big JSON strings decoded a piece at a time give what `json.loads` gives, or are left to it."""

from __future__ import annotations

import json
import random

import pytest

from qwen_lsp.engine import big_json

pytestmark = pytest.mark.unit

# Escapes, surrogate pairs (escaped or raw UTF-8), lone surrogates, CRLF, quotes, backslashes.
ALPHABET = ["a", "é", "😀", "日", "\r\n", "\n", '"', "\\", "\\\\", "\t", "\ud800", "\udc00"]
ALPHABET.append("x" * 9)


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


@pytest.fixture
def small_pieces(monkeypatch) -> None:
    monkeypatch.setattr(big_json, "BIG_STRING", 40)
    monkeypatch.setattr(big_json, "PIECE", 23)  # cuts land next to escapes and pairs
    monkeypatch.setattr(big_json, "FIRST_PIECE", 7)


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_pieces_decode_as_json_loads(small_pieces, ensure_ascii: bool) -> None:
    rng = random.Random(int(ensure_ascii))
    for _ in range(300):
        message = {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": "file:///a.py", "text": _text(rng, rng.randint(0, 200))},
                "big key " + _text(rng, 60): [_text(rng, 30), 1.5, None, _text(rng, 3)],
            },
        }
        body = json.dumps(message, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
        try:
            got = big_json.loads(body)
        except big_json.NotInPieces:
            continue  # left to json.loads (e.g. a lone high surrogate escaped at a cut)
        assert got == json.loads(body)
        assert list(got) == list(message)  # key order kept


def test_a_10mb_document_is_decoded_in_pieces() -> None:
    text = "def f():\n    return 'ü 😀 \\\\ \"'\r\n" * 300_000
    body = json.dumps({"jsonrpc": "2.0", "params": {"text": text}}).encode()
    assert big_json.loads(body) == {"jsonrpc": "2.0", "params": {"text": text}}


def test_clean_sees_each_piece_and_the_rest(small_pieces) -> None:
    body = json.dumps({"a": "b" * 100, "c": "\ud800"}).encode()
    seen: list[object] = []

    def clean(value: object) -> object:
        seen.append(value)
        return value.replace("\ud800", "?") if isinstance(value, str) else value

    assert big_json.loads(body, clean=clean) == {"a": "b" * 100, "c": "\ud800"}  # keys' values
    assert len(seen) > 2 and all(len(v) <= 23 for v in seen if isinstance(v, str))


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "' + b"x" * 100 + b'"',  # no closing brace
        b'{"a": "' + b"x" * 100,  # no closing quote
        b'{"a": "' + b"x" * 50 + b"\\q" + b"x" * 50 + b'"}',  # a bad escape
        b'{"a": "' + b"x" * 50 + b"\x01" + b"x" * 50 + b'"}',  # a control character
        b'{"a": "' + b"x" * 50 + b"\xff" + b"x" * 50 + b'"}',  # not UTF-8
        b'{"a": "' + b"x" * 100 + b'", }',  # a trailing comma
    ],
)
def test_malformed_bodies_raise_as_json_loads_does(small_pieces, body: bytes) -> None:
    with pytest.raises(ValueError):
        json.loads(body)
    with pytest.raises(ValueError):
        big_json.loads(body)


def test_no_big_string_is_left_to_json_loads(small_pieces) -> None:
    with pytest.raises(big_json.NotInPieces):
        big_json.loads(b'{"a": "short", "b": [1, 2, 3]}')
