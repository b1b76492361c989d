"""Messages between the language server and the model worker.

The only module both processes import: msgspec Structs, no heavy imports. Frames are a 4-byte
big-endian length followed by a msgpack-encoded tagged union.
"""

from __future__ import annotations

import re
import struct
from typing import IO, Literal

import msgspec

FRAME_HEADER = struct.Struct(">I")
# Bumped whenever a message changes shape; a shared worker refuses clients of another version.
PROTOCOL_VERSION = 3
MAX_FRAME_BYTES = 256 * 1024 * 1024

FinishReason = Literal["stop", "length", "cancelled", "error"]
# Who waits for an answer: a keystroke's ghost text ("interactive") goes before an action or
# docs job ("job"), which goes before work nobody asked for yet ("background": pre-warm, next
# suggestion).
Priority = Literal["interactive", "job", "background"]
# `cache_key` K + ALTERNATE + a name: a second KV cache of K's document, filled by background
# work for a state it expects next (after Enter); a keystroke of K takes it when it fits better.
ALTERNATE = "\x1f"


def cache_document(cache_key: str) -> str:
    """The document (or session) a cache key belongs to: K for K and its alternates."""
    return cache_key.split(ALTERNATE, 1)[0]


class Sampling(msgspec.Struct, frozen=True, omit_defaults=True):
    """Sampling parameters; temperature 0 means greedy."""

    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    repetition_penalty: float = 1.0


# --- server → worker -------------------------------------------------------------------------


class Generate(msgspec.Struct, tag="generate", omit_defaults=True):
    """Complete a raw prompt string (FIM prompts are raw, never chat-templated).

    `cache_key` groups KV caches (one document, one chat session); `stop` holds extra stop
    strings on top of the tokenizer's stop tokens. `job` names what the request is for: a newer
    request with the same job supersedes it, waiting or running (empty: never superseded).
    `max_tokens=0` only prefills the prompt into the `cache_key`'s KV cache and answers Done with
    empty text (pre-warm). `max_time_ms` counts from the request's arrival at the worker.
    `answer_within_ms` > 0: once that long has passed since the arrival and some non-blank text
    is generated, an EarlyAnswer carries the text so far; generation goes on to its Done.
    `stop_after_space`: a stop string within the text's leading whitespace does not count (a
    one-line suggestion at a line's end may start on the next line: stop at the one after).
    """

    id: int
    prompt: str
    cache_key: str = ""
    job: str = ""
    max_tokens: int = 64
    sampling: Sampling = Sampling()
    stop: list[str] = []
    stream: bool = False
    max_time_ms: int = 0
    priority: Priority = "interactive"
    answer_within_ms: int = 0
    stop_after_space: bool = False


class Chat(msgspec.Struct, tag="chat", omit_defaults=True):
    """Render `messages` (+ `tools`) through the model's chat template, then generate."""

    id: int
    messages: list[dict]
    tools: list[dict] = []
    cache_key: str = ""
    job: str = ""  # as in Generate: only a newer request for the same job supersedes this one
    max_tokens: int = 512
    sampling: Sampling | None = None  # None: the model's generation_config
    stream: bool = False
    max_time_ms: int = 0
    priority: Priority = "job"


class Cancel(msgspec.Struct, tag="cancel"):
    id: int


class Shutdown(msgspec.Struct, tag="shutdown"):
    pass


class Hello(msgspec.Struct, tag="hello"):
    """First frame on a shared worker's socket: the client's protocol version and model."""

    protocol: int
    model: str


# --- worker → server -------------------------------------------------------------------------


class Welcome(msgspec.Struct, tag="welcome"):
    """A shared worker's answer to Hello; `clients` counts this one too."""

    protocol: int
    model: str
    pid: int
    clients: int


class Refused(msgspec.Struct, tag="refused"):
    """A shared worker's answer to a Hello it cannot serve; it then closes the connection."""

    reason: str


class Progress(msgspec.Struct, tag="progress", omit_defaults=True):
    """Model loading progress; `percent` is None when unknown."""

    message: str
    percent: int | None = None


class Ready(msgspec.Struct, tag="ready", omit_defaults=True):
    model: str
    load_ms: float
    context_length: int = 0
    has_tool_parser: bool = False


class LoadFailed(msgspec.Struct, tag="load_failed"):
    model: str
    error: str


class Chunk(msgspec.Struct, tag="chunk"):
    id: int
    text: str


class EarlyAnswer(msgspec.Struct, tag="early_answer"):
    """A Generate's text so far, at its `answer_within_ms` (decoded whole, stop strings cut),
    and the work done for it until then; the generation goes on to its Done."""

    id: int
    text: str
    usage: Usage


class ToolCall(msgspec.Struct, omit_defaults=True):
    name: str
    arguments: dict = {}


class Usage(msgspec.Struct, omit_defaults=True):
    prompt_tokens: int = 0
    reused_tokens: int = 0
    generated_tokens: int = 0
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    warm_caches: int = 0  # documents and action sessions whose KV cache the worker holds
    kv_cache_bytes: int = 0  # the memory those caches hold (allocated), after this request
    kv_cache_limit_bytes: int = 0  # worker.cacheMb


class Done(msgspec.Struct, tag="done", omit_defaults=True):
    id: int
    text: str
    finish_reason: FinishReason
    usage: Usage = msgspec.field(default_factory=Usage)
    tool_calls: list[ToolCall] = []
    tool_call_errors: list[str] = []


class Failed(msgspec.Struct, tag="failed"):
    id: int
    error: str


ToWorker = Generate | Chat | Cancel | Shutdown | Hello
FromWorker = Welcome | Refused | Progress | Ready | LoadFailed | Chunk | EarlyAnswer | Done | Failed

_encoder = msgspec.msgpack.Encoder()
_to_worker = msgspec.msgpack.Decoder(ToWorker)
_from_worker = msgspec.msgpack.Decoder(FromWorker)


class FrameError(Exception):
    """A frame that is truncated, oversized or not a known message."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encode(message: ToWorker | FromWorker) -> bytes:
    try:
        body = _encoder.encode(message)
    except UnicodeEncodeError:  # a client's JSON may carry lone surrogates: not UTF-8
        body = _encoder.encode(msgspec.convert(_replace_surrogates(message), type(message)))
    return FRAME_HEADER.pack(len(body)) + body


def _replace_surrogates(message: ToWorker | FromWorker) -> object:
    def clean(value: object) -> object:
        if isinstance(value, str):
            return _LONE_SURROGATE.sub("\ufffd", value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        return value

    return clean(msgspec.to_builtins(message))


def frame_length(header: bytes) -> int:
    (length,) = FRAME_HEADER.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise FrameError(f"frame of {length} bytes exceeds the {MAX_FRAME_BYTES}-byte limit")
    return length


def decode_to_worker(body: bytes) -> ToWorker:
    try:
        return _to_worker.decode(body)
    except msgspec.DecodeError as exc:
        raise FrameError(str(exc)) from exc


def decode_from_worker(body: bytes) -> FromWorker:
    try:
        return _from_worker.decode(body)
    except msgspec.DecodeError as exc:
        raise FrameError(str(exc)) from exc


def read_frame(stream: IO[bytes]) -> bytes | None:
    """Blocking read of one frame body; None at a clean end of stream."""
    header = stream.read(FRAME_HEADER.size)
    if not header:
        return None
    if len(header) < FRAME_HEADER.size:
        raise FrameError("truncated frame header")
    length = frame_length(header)
    body = stream.read(length)
    if len(body) < length:
        raise FrameError("truncated frame body")
    return body
