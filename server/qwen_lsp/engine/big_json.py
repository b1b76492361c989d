"""JSON with big strings (a 10 MB `didOpen`) decoded a piece at a time, in a thread.

`json.loads` is one C call that holds the GIL throughout (10 MB escaped: ~70 ms), so decoding
in another thread still stops the event loop. Here each big string is decoded in pieces cut
where no escape, surrogate pair or UTF-8 sequence spans the cut, and the rest of the message
(with the big strings left out) in one short call.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

BIG_STRING = 1 << 16  # characters: shorter strings are decoded with the rest of the message
PIECE = 1 << 18  # bytes of a string per C call (decode, then scan: ~2 ms)
FIRST_PIECE = 1 << 10  # most strings (keys, URIs) end within this
MAX_STRINGS = 10_000  # a message of many small strings is left to one plain `json.loads`
_BACKSLASH, _QUOTE = 0x5C, 0x22
# A high surrogate's escape: a cut right after it would split a surrogate pair in two.
_HIGH_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")


class NotInPieces(ValueError):
    """The body is not one this decoder takes (malformed, or not worth it): use `json.loads`."""


def loads(
    body: bytes,
    clean: Callable[[Any], Any] = lambda value: value,
    object_hook: Callable[[dict], Any] | None = None,
) -> Any:
    """`clean(json.loads(body, object_hook=object_hook))`, where `clean` maps a decoded value
    to the one to keep (strings inside it included) and is given each big string's pieces and
    the rest of the message apart: it must treat a string the same cut or whole (a check of
    lone surrogates does: no piece ends inside a surrogate pair). Raises ValueError where
    `json.loads` would, and NotInPieces where the body has no big string or too many strings."""
    if json.detect_encoding(body) != "utf-8":
        raise NotInPieces("not UTF-8")
    spans, strings = _big_strings(body)
    if not spans:
        raise NotInPieces("no big string")
    nonce = secrets.token_hex(8)
    marks = {f"big-string-{i}-{nonce}": i for i in range(len(spans))}
    parts, at = [], 0
    for mark, (start, end) in zip(marks, spans, strict=True):
        parts += [body[at:start], b'"', mark.encode(), b'"']
        at = end
    parts.append(body[at:])
    value = clean(json.loads(b"".join(parts), object_hook=object_hook))
    whole = ["".join([clean(piece) for piece in pieces]) for pieces in strings]
    return _put_back(value, marks, whole)


def _big_strings(body: bytes) -> tuple[list[tuple[int, int]], list[list[str]]]:
    """(start, end) in `body` of each big string, quotes included, and its decoded pieces."""
    spans, strings = [], []
    at, count = 0, 0
    while (opening := body.find(b'"', at)) >= 0:  # outside strings, a quote opens one
        count += 1
        if count > MAX_STRINGS:
            raise NotInPieces("too many strings")
        at, pieces = _string(body, opening + 1)
        if sum(map(len, pieces)) > BIG_STRING:
            spans.append((opening, at))
            strings.append(pieces)
    return spans, strings


def _string(body: bytes, start: int) -> tuple[int, list[str]]:
    """(offset past its closing quote, its decoded pieces) of the string starting at `start`."""
    pieces: list[str] = []
    size = FIRST_PIECE
    while True:
        if start == len(body):
            raise NotInPieces("no closing quote")
        cut = _cut(body, start, min(len(body), start + size))
        if cut == start:  # a run of backslashes: a longer piece (the body's end is a cut)
            size *= 2
            continue
        text = body[start:cut].decode("utf-8", "surrogatepass") + '"'  # as json.loads does
        piece, end = scanstring(text, 0, True)  # up to the first unescaped quote
        pieces.append(piece)
        if end < len(text):  # closed inside this piece: `end` is past its quote
            used = end if text.isascii() else len(text[:end].encode("utf-8", "surrogatepass"))
            return start + used, pieces
        start, size = cut, PIECE


def _cut(body: bytes, start: int, end: int) -> int:
    """A place at or before `end` where a string's content may be cut: not inside an escape,
    a surrogate pair (two escapes) or a UTF-8 sequence; `start` if none is found."""
    if end == len(body):
        return end
    while end > start:
        slash = body.rfind(b"\\", max(start, end - 16), end)
        if slash < 0:  # no escape begins in the last 16 bytes: none ends after `end`
            while end > start and body[end] & 0xC0 == 0x80:
                end -= 1  # not inside a UTF-8 sequence (continuation bytes are 10xxxxxx)
            return end
        while slash > start and body[slash - 1] == _BACKSLASH:
            slash -= 1  # a run of backslashes begins an escape (what is before it cannot)
        if not _HIGH_SURROGATE.fullmatch(body, slash - 6, slash):
            return slash
        end = slash - 6
    return start


def _put_back(value: Any, marks: dict[str, int], strings: list[str]) -> Any:
    def back(value: Any) -> Any:
        if isinstance(value, str):
            return strings[marks[value]] if value in marks else value
        if isinstance(value, list):
            return [back(v) for v in value]
        if isinstance(value, dict):
            return {back(k): back(v) for k, v in value.items()}
        return value

    return back(value)
