"""LSP positions → offsets in utf-16 and utf-8 with emoji, CJK and CRLF; out-of-range input."""

import pytest
from lsprotocol.types import Position, PositionEncodingKind
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument
from pygls.workspace.position_codec import PositionCodec

from qwen_lsp.lsp.positions import offset_at

pytestmark = pytest.mark.unit

TEXT = 'smile = "😋"  # 笑\r\nx = "漢字"\n'


def doc(encoding: PositionEncodingKind) -> TextDocument:
    return TextDocument("file:///t.py", TEXT, version=1, position_codec=PositionCodec(encoding))


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
def test_offsets_count_code_units_of_the_negotiated_encoding(encoding, position, before_cursor):
    assert TEXT[: offset_at(doc(encoding), position)] == before_cursor


def test_column_past_the_end_of_a_crlf_line_means_the_line_end():
    offset = offset_at(doc(PositionEncodingKind.Utf16), Position(0, 500))
    assert TEXT[:offset].endswith("笑")  # before the \r\n, never between \r and \n


def test_position_just_after_the_last_line_is_the_end_of_the_text():
    assert offset_at(doc(PositionEncodingKind.Utf16), Position(2, 0)) == len(TEXT)


@pytest.mark.parametrize("position", [Position(3, 0), Position(2, 4), Position(99, 99)])
def test_lines_past_the_end_are_invalid_params(position):
    with pytest.raises(JsonRpcInvalidParams, match="outside"):
        offset_at(doc(PositionEncodingKind.Utf16), position)
