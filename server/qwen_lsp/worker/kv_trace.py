"""Diagnostics only: why a request's prompt tokens were not in its KV cache, one JSON line each.

Off unless the environment names a file in `QWEN_LSP_KV_TRACE` (the typing replay's
`--kv-trace`). Each line says where in the FIM prompt the first token the cache lacked lies
(repository section, prefix, suffix, middle) and what the cache held before: nothing (first
request of the document, or evicted), a prompt cut short (a cancelled prefill), another's work.
`scripts/kv_trace_report.py` turns the lines into a table of causes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

TRACE_ENV = "QWEN_LSP_KV_TRACE"
REGIONS = ("repo", "prefix", "suffix", "middle")


@dataclass
class _Write:
    """Who last put a key's cache back: its request and how much of its prompt was in."""

    id: int
    priority: str
    max_tokens: int
    prompt_tokens: int
    held: int  # tokens the cache held when it went back (prompt fed so far + generated)
    finish: str


def marker_positions(tokens: Sequence[int], markers: Sequence[int]) -> list[int]:
    """Where the prompt's own prefix, suffix and middle markers are: the last of each before the
    next (the repository section may quote them: other files' text); [] for a chat prompt."""
    listed, found, end = list(tokens), [], len(tokens)
    for marker in reversed(markers):
        at = next((i for i in range(end - 1, -1, -1) if listed[i] == marker), -1)
        if at < 0:
            return []
        found.append(at)
        end = at
    return found[::-1]


def region_of(index: int, tokens: Sequence[int], markers: Sequence[int]) -> str:
    """The part of a FIM prompt token `index` is in; `markers`: the prefix, suffix and middle
    marker ids. A prompt without them (a chat) is all "middle"."""
    for name, at in zip(REGIONS, marker_positions(tokens, markers), strict=False):
        if index <= at:
            return name
    return "middle"


def _section(tokens: Sequence[int], markers: Sequence[int], start: int, end: int) -> list[int]:
    """tokens between marker `start` and marker `end` (-1: the end of the prompt)."""
    at = marker_positions(tokens, markers)
    if not at:
        return []
    return list(tokens)[at[start] + 1 : len(tokens) if end < 0 else at[end]]


def prefix_change(
    old: Sequence[int], new: Sequence[int], markers: Sequence[int], decode: Callable
) -> str:
    """How the lines above the cursor changed: a line ended (Enter), a line joined back, or the
    cursor went elsewhere (a jump, an accepted suggestion of several lines)."""
    before, after = (decode(_section(t, markers, 0, 1)) for t in (old, new))
    if after.startswith(before) and after[len(before) :].count("\n") == 1:
        return "enter"
    if before.startswith(after) and before[len(after) :].count("\n") == 1:
        return "line joined"
    return "jump"


class KvTrace:
    def __init__(self, path: str, markers: Sequence[int], decode: Callable[[list[int]], str]):
        self.path, self.markers, self.decode = path, list(markers), decode
        self._writes: dict[str, _Write] = {}
        self._last_key = ""

    @classmethod
    def from_env(cls, markers: Sequence[int], decode: Callable) -> KvTrace | None:
        path = os.environ.get(TRACE_ENV)
        return cls(path, markers, decode) if path else None

    def record(
        self,
        request: Any,
        tokens: list[int],
        before: list[int] | None,
        reused: int,
        held: int,
        finish: str,
        generated: int,
        timing: dict[str, float] | None = None,
    ) -> None:
        key = request.cache_key
        write = self._writes.get(key)
        row = {
            "t": round(time.time(), 3),
            "pid": os.getpid(),
            "id": request.id,
            "key": key,
            "priority": request.priority,
            "max_tokens": request.max_tokens,
            "prompt_tokens": len(tokens),
            "reused": reused,
            "uncached": len(tokens) - reused,
            "fed": max(0, min(held, len(tokens)) - reused),
            "finish": finish,
            "generated": generated,
            "switched": bool(self._last_key) and self._last_key != key,
            "region": region_of(reused, tokens, self.markers),
            "cause": self._cause(key, tokens, before, reused, write),
            "before_by": None if write is None else write.__dict__,
            **(timing or {}),
        }
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
        self._writes[key] = _Write(
            request.id, request.priority, request.max_tokens, len(tokens), held, finish
        )
        self._last_key = key

    def _cause(
        self,
        key: str,
        tokens: list[int],
        before: list[int] | None,
        reused: int,
        write: _Write | None,
    ) -> str:
        if before is None:
            return "first request of the document" if write is None else "cache evicted"
        if len(tokens) - reused <= 1:
            return "none"
        region = region_of(reused, tokens, self.markers)
        if reused >= len(before) and write is not None and write.held < write.prompt_tokens:
            return "previous prefill cut short"
        if region == "prefix":
            return prefix_change(before, tokens, self.markers, self.decode)
        return {"repo": "repository section changed", "suffix": "suffix changed"}.get(
            region, "typing"
        )


def timings(arrived: float, started: float, prefilled: float) -> dict[str, float]:
    """When the request arrived (wall clock) and its ms queued, prefilling and decoding."""
    now = time.perf_counter()
    prefilled = prefilled or now
    return {
        "arrived": round(time.time() - (now - arrived), 3),
        "queued_ms": round((started - arrived) * 1000, 1),
        "prefill_ms": round((prefilled - started) * 1000, 1),
        "decode_ms": round((now - prefilled) * 1000, 1),
    }
