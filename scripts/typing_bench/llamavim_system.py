"""llama.vim against llama.cpp's server, as ggml-org/llama.vim autoload/llama.vim does it
(defaults in s:default_config; BENCHMARKS.md cites them):

- on every cursor move in insert mode: show a cached suggestion (exact context, or typed through
  up to 128 characters back), else ask `/infill` at once; with a request in flight, retry in
  100 ms (no cancel, no debounce);
- local context n_prefix 256 lines, n_suffix 64 lines, the current line up to the cursor as
  `prompt`; no auto request when more than max_line_suffix (8) characters follow the cursor;
- n_predict 128, top_k 40, top_p 0.90, samplers top_k/top_p/infill, cache_prompt, id_slot 0,
  t_max_prompt_ms 500, t_max_predict_ms 250 (1000 for the speculative request);
- after showing a suggestion, a speculative request as if it were accepted;
- `input_extra`: a ring of up to 16 chunks of 32 lines picked on file switches and long jumps,
  moved into the ring every ring_update_ms (1 s) once the cursor rested 3 s, each time sending
  the new extra context (n_predict 0) so the server caches it.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import time

from .servers import post_json
from .user import Answer, Doc, System

N_PREFIX, N_SUFFIX, N_PREDICT, MAX_LINE_SUFFIX = 256, 64, 128, 8
T_MAX_PROMPT_MS, T_MAX_PREDICT_MS, T_FIRST_PREDICT_MS = 500, 1000, 250
RING_N_CHUNKS, RING_CHUNK_SIZE, RING_UPDATE_S, RETRY_S = 16, 64, 1.0, 0.1
BACK_SCAN = 128


def local_context(lines: list[str], y: int, x: int, prev: str = "") -> tuple[str, str, str]:
    """(prefix, middle, suffix) as s:fim_ctx_local builds them; `prev` as if accepted."""
    line = lines[y]
    if prev:
        extra = prev.split("\n")
        line = line[:x] + extra[0] if len(extra) == 1 else extra[-1]
        above = lines[max(0, y - N_PREFIX + len(extra) - 1) : y]
        if len(extra) > 1:
            above = [*above, lines[y][:x] + extra[0], *extra[1:-1]]
        middle, rest = line, ""
    else:
        above = lines[max(0, y - N_PREFIX) : y]
        middle, rest = ("", "") if not line.strip() else (line[:x], line[x:])
    below = lines[y + 1 : y + 1 + N_SUFFIX]
    return "\n".join(above) + "\n", middle, rest + "\n" + "\n".join(below) + "\n"


def key(prefix: str, middle: str, suffix: str) -> str:
    return hashlib.sha256((prefix + middle + "Î" + suffix).encode()).hexdigest()


class LlamaVim(System):
    name = "llama.vim → llama-server"

    def __init__(self, port: int, seed: int = 0) -> None:
        self.port, self.rng = port, random.Random(seed)
        self.cache: dict[str, str] = {}
        self.in_flight: asyncio.Task | None = None
        self.retry: asyncio.Task | None = None
        self.ring: list[dict] = []
        self.queued: list[dict] = []
        self.last_move = time.perf_counter()
        self.last_pick_y = -1000
        self.doc: Doc | None = None
        self.tasks: list[asyncio.Task] = []
        self.errors: list[str] = []
        self.requests = self.model_calls = self.cache_hits = self.speculative = 0
        self.calls: list[dict] = []

    async def start(self, docs: dict[str, Doc]) -> None:
        self.tasks.append(asyncio.create_task(self._ring_updates()))

    def _where(self, doc: Doc) -> tuple[list[str], int, int]:
        before = doc.text[: doc.cursor]
        y = before.count("\n")
        return doc.text.split("\n"), y, len(before) - (before.rfind("\n") + 1)

    async def moved(self, doc: Doc, switched: bool) -> None:
        if switched and self.doc is not None:
            self._pick_around(self.doc)  # BufLeave, then BufEnter
        self.doc = doc
        if switched:
            self._pick_around(doc)
        await self.edit(doc, doc.text, doc.cursor, doc.cursor, "")

    async def edit(self, doc: Doc, old: str, start: int, end: int, text: str) -> None:
        self.last_move = time.perf_counter()
        self.requests += 1
        if self._try_hint(doc):
            return
        self._fim(doc)

    def _try_hint(self, doc: Doc) -> bool:
        """s:fim_try_hint: a cached suggestion for this context, or typed through."""
        lines, y, x = self._where(doc)
        prefix, middle, suffix = local_context(lines, y, x)
        found = self.cache.get(key(prefix, middle, suffix))
        pm = prefix + middle
        for i in range(min(BACK_SCAN, len(pm))):
            if found is not None:
                break
            removed = pm[len(pm) - 1 - i :]
            hit = self.cache.get(
                hashlib.sha256((pm[: len(pm) - 1 - i] + "Î" + suffix).encode()).hexdigest()
            )
            if hit and hit.startswith(removed) and hit[len(removed) :]:
                found = hit[len(removed) :]
        if found is None:
            return False
        self.cache_hits += 1
        self.on_answer(doc.path, doc.version, found)
        if found:  # speculative FIM as if the suggestion were accepted
            self._fim(doc, prev=found)
        return True

    def _fim(self, doc: Doc, prev: str = "") -> None:
        if self.in_flight is not None and not self.in_flight.done():
            if self.retry is not None:
                self.retry.cancel()
            self.retry = asyncio.create_task(self._retry(doc, prev))
            return
        lines, y, x = self._where(doc)
        if not prev and len(lines[y][x:]) > MAX_LINE_SUFFIX:
            return
        prefix, middle, suffix = local_context(lines, y, x, prev)
        hashes = [key(prefix, middle, suffix)]
        trimmed = prefix
        for _ in range(3):
            trimmed = trimmed.split("\n", 1)[1] if "\n" in trimmed else ""
            if not trimmed:
                break
            hashes.append(key(trimmed, middle, suffix))
        if any(h in self.cache for h in hashes):
            return
        self._evict_similar(lines, y)
        if abs(y - self.last_pick_y) > 32:
            self._pick(lines[max(0, y - 1024) : max(1, y - N_PREFIX)], doc.path)
            self._pick(lines[y + N_SUFFIX : y + N_SUFFIX + RING_CHUNK_SIZE], doc.path)
            self.last_pick_y = y
        body = {
            "id_slot": 0, "input_prefix": prefix, "input_suffix": suffix,
            "input_extra": self._extra(), "prompt": middle, "n_predict": N_PREDICT, "stop": [],
            "n_indent": len(lines[y]) - len(lines[y].lstrip()) if lines[y].strip() else 0,
            "top_k": 40, "top_p": 0.90, "samplers": ["top_k", "top_p", "infill"],
            "stream": False, "cache_prompt": True, "t_max_prompt_ms": T_MAX_PROMPT_MS,
            "t_max_predict_ms": T_MAX_PREDICT_MS if prev else T_FIRST_PREDICT_MS,
        }  # fmt: skip
        self.speculative += bool(prev)
        self.in_flight = asyncio.create_task(self._send(doc, body, hashes))
        self.tasks.append(self.in_flight)

    async def _retry(self, doc: Doc, prev: str) -> None:
        await asyncio.sleep(RETRY_S)
        self._fim(doc, prev)

    async def _send(self, doc: Doc, body: dict, hashes: list[str]) -> None:
        self.model_calls += 1
        call = {"started": time.perf_counter(), "ended": 0, "uncached": 0, "generated": 0}
        version = doc.version
        self.calls.append(call)
        try:
            response = await post_json(self.port, "/infill", body)
        except (OSError, RuntimeError, ValueError) as exc:
            self.errors.append(f"/infill: {exc!r}")
            return
        finally:
            call["ended"] = time.perf_counter()
        timings = response.get("timings", {})
        call["uncached"] = timings.get("prompt_n", 0)
        call["generated"] = timings.get("predicted_n", 0)
        # tokens_cached: prompt + generated tokens now in the slot's cache
        call["prompt_tokens"] = response.get("tokens_evaluated", 0)
        call["reused"] = max(0, call["prompt_tokens"] - call["uncached"])
        call["superseded"] = doc.version != version  # the text changed while it ran
        for h in hashes:
            self.cache[h] = response.get("content", "")
        if self.doc is not None:  # shown if it fits where the cursor is now
            self._try_hint(self.doc)

    def _pick_around(self, doc: Doc) -> None:
        lines, y, _ = self._where(doc)
        half = RING_CHUNK_SIZE // 2
        self._pick(lines[max(0, y - half) : y + half], doc.path)

    def _pick(self, text: list[str], path: str) -> None:
        """s:pick_chunk: a random half-size chunk, queued unless already known."""
        if len(text) < 3:
            return
        if len(text) + 1 >= RING_CHUNK_SIZE:
            l0 = self.rng.randint(0, max(0, len(text) - RING_CHUNK_SIZE // 2))
            text = text[l0 : l0 + RING_CHUNK_SIZE // 2]
        if any(c["data"] == text for c in self.ring + self.queued):
            return
        self.queued = [c for c in self.queued if _similarity(c["data"], text) <= 0.9]
        self.queued.append({"data": text, "str": "\n".join(text) + "\n", "filename": path})
        self.queued = self.queued[-16:]

    def _evict_similar(self, lines: list[str], y: int) -> None:
        half = RING_CHUNK_SIZE // 2
        near = lines[max(0, y - half) : y + half][:half]
        self.ring = [c for c in self.ring if _similarity(c["data"], near) <= 0.5]

    def _extra(self) -> list[dict]:
        return [{"text": c["str"], "filename": c["filename"]} for c in self.ring]

    async def _ring_updates(self) -> None:
        while True:
            await asyncio.sleep(RING_UPDATE_S)
            if time.perf_counter() - self.last_move < 3.0 or not self.queued:
                continue
            if len(self.ring) == RING_N_CHUNKS:
                self.ring.pop(0)
            self.ring.append(self.queued.pop(0))
            body = {
                "id_slot": 0, "input_prefix": "", "input_suffix": "", "input_extra": self._extra(),
                "prompt": "", "n_predict": 0, "temperature": 0.0, "samplers": [], "stream": False,
                "cache_prompt": True, "t_max_prompt_ms": 1, "t_max_predict_ms": 1,
            }  # fmt: skip
            self.tasks.append(asyncio.create_task(self._warm(body)))

    async def _warm(self, body: dict) -> None:
        try:
            await post_json(self.port, "/infill", body)
        except (OSError, RuntimeError, ValueError) as exc:
            self.errors.append(f"/infill (extra context): {exc!r}")

    async def shown(self, doc: Doc, answer: Answer) -> None:
        pass

    async def figures(self) -> dict:
        for task in self.tasks[:1]:
            task.cancel()  # the ring timer
        await asyncio.gather(*self.tasks[1:], return_exceptions=True)
        return {
            "requests": self.requests,
            "model_calls": self.model_calls,
            "cache_hits": self.cache_hits,
            "speculative_calls": self.speculative,
            "calls": self.calls,
            "errors": self.errors,
            "superseded_answered": 0,  # llama.vim never cancels; late answers fill its cache
        }

    async def stop(self) -> None:
        if self.retry is not None:
            self.retry.cancel()


def _similarity(a: list[str], b: list[str]) -> float:
    """s:chunk_sim: shared words over all words."""
    import re

    words_a = re.split(r"\W+", "\n".join(a))
    words_b = re.split(r"\W+", "\n".join(b))
    if not words_a and not words_b:
        return 1.0
    known = set(words_a)
    return 2.0 * sum(w in known for w in words_b) / (len(words_a) + len(words_b))
