"""Chunked document text: every edit and slice agrees with plain string operations."""

from __future__ import annotations

import random

import pytest

from qwen_lsp.engine import chunked_text
from qwen_lsp.engine.chunked_text import ChunkedText

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("seed", range(4))
def test_random_edits_and_slices_match_a_plain_string(monkeypatch, seed: int) -> None:
    monkeypatch.setattr(chunked_text, "CHUNK", 8)  # many chunk boundaries in a small text
    rng = random.Random(seed)
    text = "".join(rng.choice(["ab", "\n", "é", "😀", "xyz"]) for _ in range(60))
    doc = ChunkedText(text)
    for _ in range(500):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.choice([0, 0, 1, 3, 9, 40, 200]))
        new = rng.choice(["", "x", "\n", "é😀", "q" * rng.randint(0, 30)])
        doc.replace(start, end, new)
        text = text[:start] + new + text[end:]
        assert len(doc) == len(text)
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        assert doc.slice(a, b) == text[a:b]
        assert doc.isascii() == text.isascii()
        if rng.random() < 0.2:
            assert doc.text == text  # joined, then slices read the joined copy
            assert doc.slice(a, b) == text[a:b]
    assert doc.text == text


def test_deleting_everything_leaves_an_empty_text() -> None:
    doc = ChunkedText("x" * 300_000)
    doc.replace(100_000, 300_000, "")
    doc.replace(0, 100_000, "")
    assert doc.text == "" and len(doc) == 0
    doc.replace(0, 0, "again")
    assert doc.text == "again"


def test_byte_offsets_follow_edits_of_non_ascii_text():
    rng = random.Random(7)
    text = "".join(rng.choice("aé€😀\n ") for _ in range(5 * chunked_text.CHUNK))
    chunked = ChunkedText(text)
    for _ in range(200):
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.randrange(50))
        new = "".join(rng.choice("xß😀\n") for _ in range(rng.randrange(5)))
        chunked.replace(start, end, new)
        text = text[:start] + new + text[end:]
        offset = rng.randrange(len(text) + 1)
        assert chunked.byte_offset(offset) == len(text[:offset].encode())
    assert ChunkedText("plain").byte_offset(3) == 3


def test_chunks_made_elsewhere_are_taken_only_for_the_same_text(monkeypatch) -> None:
    monkeypatch.setattr(chunked_text, "CHUNK", 4)
    text = "héllo wörld, 👋 again\n" * 3
    made = chunked_text.split(text)
    kept = chunked_text.ChunkedText(text)
    kept.adopt(text, made)
    kept.replace(5, 7, "XY")
    assert kept.text == text[:5] + "XY" + text[7:]
    late = chunked_text.ChunkedText(text)
    late.replace(0, 1, "J")  # typed before the chunks came: they describe an older text
    late.adopt(text, made)
    late.replace(10, 11, "")
    assert late.text == ("J" + text[1:])[:10] + ("J" + text[1:])[11:]
    assert late.byte_offset(12) == len(late.text[:12].encode())
