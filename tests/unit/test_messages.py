"""Worker frames: round trips, and bad frames are errors rather than crashes."""

import io
import struct

import pytest

from qwen_lsp import messages as m

pytestmark = pytest.mark.unit


def roundtrip_to_worker(message):
    body = m.read_frame(io.BytesIO(m.encode(message)))
    assert body is not None
    return m.decode_to_worker(body)


def test_requests_round_trip():
    request = m.Generate(id=7, prompt="<|fim_prefix|>x", cache_key="file:///a.py", stop=["\n"])
    assert roundtrip_to_worker(request) == request
    chat = m.Chat(id=8, messages=[{"role": "user", "content": "hi"}], tools=[{"type": "function"}])
    assert roundtrip_to_worker(chat) == chat


def test_answers_round_trip():
    done = m.Done(id=1, text="x", finish_reason="stop", usage=m.Usage(prompt_tokens=3))
    body = m.read_frame(io.BytesIO(m.encode(done)))
    assert body is not None and m.decode_from_worker(body) == done


@pytest.mark.parametrize(
    "stream",
    [
        struct.pack(">I", 10) + b"abc",  # truncated body
        b"\x00\x00",  # truncated header
    ],
)
def test_truncated_frames_raise_frame_error(stream):
    with pytest.raises(m.FrameError):
        m.read_frame(io.BytesIO(stream))


def test_unknown_message_is_a_frame_error():
    with pytest.raises(m.FrameError):
        m.decode_to_worker(b"\x81\xa4type\xa5bogus")


def test_oversized_frame_is_refused_before_reading():
    with pytest.raises(m.FrameError, match="exceeds"):
        m.frame_length(struct.pack(">I", m.MAX_FRAME_BYTES + 1))


def test_clean_end_of_stream_is_none():
    assert m.read_frame(io.BytesIO(b"")) is None


def test_lone_surrogates_from_a_client_are_replaced_not_fatal() -> None:
    """JSON may escape a lone surrogate ("\\ud800"); UTF-8 cannot carry it to the worker."""
    message = m.Generate(id=3, prompt="a\ud800b", stop=["\udfff"], cache_key="k")
    body = m.encode(message)[m.FRAME_HEADER.size :]
    decoded = m.decode_to_worker(body)
    assert isinstance(decoded, m.Generate)
    assert (decoded.prompt, decoded.stop, decoded.id) == ("a\ufffdb", ["\ufffd"], 3)
