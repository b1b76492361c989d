"""LSP positions → offsets in utf-16 and utf-8 with emoji, CJK and CRLF; out-of-range input."""

import random

import pytest
from lsprotocol.types import (
    Position,
    PositionEncodingKind,
    Range,
    TextDocumentContentChangePartial,
)
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from qwen_lsp.lsp.positions import client_units, offset_at
from qwen_lsp.lsp.text_document import QwenDocument

pytestmark = pytest.mark.unit

TEXT = 'smile = "😋"  # 笑\r\nx = "漢字"\n'


@pytest.fixture(params=[TextDocument, QwenDocument], ids=["pygls", "qwen"])
def kind(request: pytest.FixtureRequest) -> type[TextDocument]:
    return request.param


@pytest.fixture
def doc(kind: type[TextDocument]):
    def make(encoding: PositionEncodingKind) -> TextDocument:
        return kind("file:///t.py", TEXT, version=1, position_codec=PositionCodec(encoding))

    return make


@pytest.mark.parametrize(
    ("encoding", "position", "before_cursor"),
    [
        (PositionEncodingKind.Utf16, Position(0, 11), 'smile = "😋'),  # emoji = 2 units
        (PositionEncodingKind.Utf8, Position(0, 13), 'smile = "😋'),  # emoji = 4 bytes
        (PositionEncodingKind.Utf16, Position(0, 17), 'smile = "😋"  # 笑'),
        (PositionEncodingKind.Utf8, Position(0, 21), 'smile = "😋"  # 笑'),  # CJK = 3 bytes
        (PositionEncodingKind.Utf16, Position(1, 7), 'smile = "😋"  # 笑\r\nx = "漢字'),
        (PositionEncodingKind.Utf8, Position(1, 11), 'smile = "😋"  # 笑\r\nx = "漢字'),
    ],
)
def test_offsets_count_code_units_of_the_negotiated_encoding(
    doc, encoding, position, before_cursor
):
    assert TEXT[: offset_at(doc(encoding), position)] == before_cursor


def test_column_past_the_end_of_a_crlf_line_means_the_line_end(doc):
    offset = offset_at(doc(PositionEncodingKind.Utf16), Position(0, 500))
    assert TEXT[:offset].endswith("笑")  # before the \r\n, never between \r and \n


def test_position_just_after_the_last_line_is_the_end_of_the_text(doc):
    assert offset_at(doc(PositionEncodingKind.Utf16), Position(2, 0)) == len(TEXT)


@pytest.mark.parametrize("position", [Position(3, 0), Position(2, 4), Position(99, 99)])
def test_lines_past_the_end_are_invalid_params(doc, position):
    with pytest.raises(JsonRpcInvalidParams, match="outside"):
        offset_at(doc(PositionEncodingKind.Utf16), position)


@pytest.mark.parametrize("encoding", [PositionEncodingKind.Utf16, PositionEncodingKind.Utf8])
def test_incremental_changes_land_where_pygls_puts_them(encoding):
    """The same LSP changes (client units, emoji, CJK, CRLF) on pygls's document and ours."""
    rng = random.Random(str(encoding))
    codec = PositionCodec(encoding)
    ours = QwenDocument("file:///t.py", TEXT * 3, version=1, position_codec=codec)
    theirs = TextDocument("file:///t.py", TEXT * 3, version=1, position_codec=codec)
    for _ in range(150):
        lines = theirs.lines
        row = rng.randrange(len(lines))
        content = lines[row].rstrip("\r\n")
        col = codec.client_num_units(content[: rng.randint(0, len(content))])
        end_row = min(len(lines) - 1, row + rng.choice([0, 0, 0, 1]))
        end_content = lines[end_row].rstrip("\r\n")
        end_col = codec.client_num_units(end_content) if end_row > row else col
        change = TextDocumentContentChangePartial(
            range=Range(Position(row, col), Position(end_row, end_col)),
            text=rng.choice(["x", "é", "😀", "\n", "日本\n", "", "  "]),
        )
        theirs.apply_change(change)
        ours.apply_change(change)
        assert ours.source == theirs.source
    assert ours.syntax is not None and ours.syntax.tree is not None


@pytest.mark.parametrize("encoding", list(PositionEncodingKind))
def test_line_lengths_in_client_units_are_pyglss_counts(encoding):
    """Counted by encoding the line, not a character at a time (a 2 MB minified line)."""
    codec = PositionCodec(encoding)
    document = TextDocument("file:///t.py", TEXT, version=1, position_codec=codec)
    for line in [*TEXT.split("\n"), "", "ascii only", "\U0001f600" * 3 + "é", "中文\u2028x"]:
        assert client_units(document, line) == codec.client_num_units(line), line
