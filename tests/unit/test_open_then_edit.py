"""A new text's line index and chunks are made in a thread (or at first need): edits that come
right after the open land where pygls's own document puts them, whichever comes first — UTF-16
positions past emoji, CRLF line ends, multi-line edits."""

from __future__ import annotations

import random

import pytest
from lsprotocol.types import (
    Position,
    Range,
    TextDocumentContentChangePartial,
    TextDocumentContentChangeWholeDocument,
    TextDocumentItem,
    VersionedTextDocumentIdentifier,
)
from pygls.workspace import TextDocument, Workspace

from qwen_lsp.engine import chunked_text, lines
from qwen_lsp.lsp.text_document import QwenDocument, adopt

pytestmark = pytest.mark.unit

URI = "file:///w/big.py"
TEXT = "".join(f"def f{i}(x):  # 👋 ü\r\n    return '日本' + x  # {i}\r\n" for i in range(300))


def _edits(seed: int, text: str, count: int) -> list[TextDocumentContentChangePartial]:
    """Random edits in UTF-16 units, each valid for the text the ones before it leave."""
    rng = random.Random(seed)
    reference = TextDocument(URI, text)
    out = []
    for _ in range(count):
        rows = reference.lines
        row = rng.randrange(len(rows))
        units = len(rows[row].rstrip("\r\n").encode("utf-16-le")) // 2
        start = Position(row, rng.randint(0, units))
        end_row = min(len(rows) - 1, row + rng.choice([0, 0, 1]))
        end_units = len(rows[end_row].rstrip("\r\n").encode("utf-16-le")) // 2
        end = Position(end_row, rng.randint(0, end_units)) if end_row > row else start
        change = TextDocumentContentChangePartial(
            range=Range(start, end), text=rng.choice(["x", "🎉", "\r\n", "é = 1\r\n", ""])
        )
        if _splits_a_surrogate(rows, start) or _splits_a_surrogate(rows, end):
            continue
        reference.apply_change(change)
        out.append(change)
    return out


def _splits_a_surrogate(rows: list[str], at: Position) -> bool:
    line = rows[at.line].encode("utf-16-le")
    return (
        at.character * 2 < len(line)
        and 0xDC00
        <= int.from_bytes(line[at.character * 2 : at.character * 2 + 2], "little")
        <= 0xDFFF
    )


def _opened() -> tuple[Workspace, QwenDocument]:
    """A workspace where TEXT was just opened, as pygls's didOpen does."""
    workspace = Workspace("file:///w")
    adopt(workspace)
    workspace.put_text_document(
        TextDocumentItem(uri=URI, language_id="python", version=1, text=TEXT)
    )
    doc = workspace.get_text_document(URI)
    assert isinstance(doc, QwenDocument)
    return workspace, doc


@pytest.mark.parametrize("when", ["never", "before the edits", "after the first edit"])
def test_edits_right_after_an_open_match_pygls(monkeypatch, when: str) -> None:
    monkeypatch.setattr(chunked_text, "CHUNK", 512)  # many chunks, edits across their borders
    monkeypatch.setattr(lines, "BLOCK", 300)  # and line-index blocks, read when first needed
    workspace, doc = _opened()
    assert doc.syntax is not None
    assert not doc.syntax.structured()  # nothing made at the open
    made = (lines.LineIndex(TEXT), chunked_text.split(TEXT))  # as the indexing thread does
    reference = TextDocument(URI, TEXT)
    if when == "before the edits":
        doc.syntax.adopt_structure(TEXT, *made)
        assert doc.syntax.structured()
    edits = _edits(7, TEXT, 60)
    assert len(edits) > 40
    for i, change in enumerate(edits):
        workspace.update_text_document(
            VersionedTextDocumentIdentifier(uri=URI, version=i + 2), change
        )
        reference.apply_change(change)
        if when == "after the first edit" and i == 0:
            doc.syntax.adopt_structure(TEXT, *made)  # describes the text before: not taken
    assert doc.source == reference.source
    assert list(doc.syntax.lines()) == reference.source.split("\n")
    assert doc.syntax.sexp() == str(doc.syntax._parser.parse(doc.source.encode()).root_node)  # type: ignore[union-attr]


def test_structure_made_for_a_replaced_text_is_not_taken() -> None:
    workspace, doc = _opened()
    assert doc.syntax is not None
    made = (lines.LineIndex(TEXT), chunked_text.split(TEXT))
    new = "x = 1\r\ny = '👋'\r\n"
    whole = TextDocumentContentChangeWholeDocument(text=new)  # e.g. reloaded from disk
    workspace.update_text_document(VersionedTextDocumentIdentifier(uri=URI, version=2), whole)
    doc.syntax.adopt_structure(TEXT, *made)  # came late, for the text before
    assert not doc.syntax.structured()
    assert list(doc.syntax.lines()) == new.split("\n")
    doc.apply_change(
        TextDocumentContentChangePartial(range=Range(Position(1, 8), Position(1, 8)), text="!")
    )
    assert doc.source == "x = 1\r\ny = '👋'!\r\n"
