"""Continue's autocomplete against mlx_lm.server, as continuedev/continue core/autocomplete does it
(defaults in core/util/parameters.ts; BENCHMARKS.md cites each file):

- debounce 350 ms (AutocompleteDebouncer: only the last keystroke's request goes on);
- prompt window maxPromptTokens 1024: prefix up to 30% (whole lines from the top), suffix up to
  20% (whole lines from the bottom), HelperVars.prunePrefixSuffix;
- Qwen FIM template `<|fim_prefix|>…<|fim_suffix|>…<|fim_middle|>` sent raw to the legacy
  `/v1/completions` endpoint, streamed, temperature 0.01 (CompletionProvider._prepareLlm);
- an LRU cache keyed by the prefix, typed-through (AutocompleteLruCache.get);
- the in-flight generation reused while the user types what it generates, else aborted
  (GeneratorReuseManager);
- the stream cut at the first complete line once modelTimeout (150 ms) has passed
  (showWhateverWeHaveAtXMs), at 2.5 x modelTimeout of processing (stopAfterMaxProcessingTime),
  at the first newline when not multiline (a comment line), at the line below the cursor.
"""

from __future__ import annotations

import asyncio
import time

from tokenizers import Tokenizer

from .servers import EventStream
from .user import Doc, System

DEBOUNCE_S = 0.350
MAX_PROMPT_TOKENS = 1024
PREFIX_SHARE, MAX_SUFFIX_SHARE = 0.3, 0.2
MODEL_TIMEOUT_S = 0.150
MAX_TOKENS = 4096  # core/llm/constants.ts DEFAULT_MAX_TOKENS: the stream filters end it
STOP = ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>"]
STOP += ["<|repo_name|>", "<|file_sep|>", "<|im_start|>", "<|im_end|>"]


def prune_lines(text: str, budget: int, tokenizer: Tokenizer, from_top: bool) -> str:
    """Whole lines dropped from one end until `text` fits `budget` tokens (pruneLinesFromTop /
    pruneLinesFromBottom): the lines kept are counted from the other end."""
    lines = text.split("\n")
    ordered = reversed(lines) if from_top else iter(lines)
    kept, total = 0, 0
    for line in ordered:
        total += len(tokenizer.encode(line + "\n").ids)
        if total > budget:
            break
        kept += 1
    chosen = lines[len(lines) - kept :] if from_top else lines[:kept]
    return "\n".join(chosen) if kept else ""


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class Generation:
    """One streamed request: what it has produced so far, and for which prefix."""

    def __init__(self, prefix: str, stream: EventStream) -> None:
        self.prefix, self.stream, self.text, self.done = prefix, stream, "", False
        self.entry: dict = {}
        self.chunks = 0
        self.updated = asyncio.Event()


class ContinueMlx(System):
    name = "Continue → mlx_lm.server"

    def __init__(self, port: int, model: str, tokenizer: Tokenizer, max_prompt_tokens: int) -> None:
        self.port, self.model, self.tokenizer = port, model, tokenizer
        self.max_prompt_tokens = max_prompt_tokens
        self.cache: dict[str, str] = {}
        self.current: Generation | None = None
        self.timer: asyncio.Task | None = None
        self.tasks: list[asyncio.Task] = []
        self.errors: list[str] = []
        self.requests = self.model_calls = self.cache_hits = self.reused = self.aborted = 0
        self.calls: list[dict] = []  # per model call: tokens (usage, else estimated), times
        self.prompts: list[list[int]] = []

    async def start(self, docs: dict[str, Doc]) -> None:
        pass

    async def edit(self, doc: Doc, old: str, start: int, end: int, text: str) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = asyncio.create_task(self._debounced(doc, doc.version))

    async def _debounced(self, doc: Doc, version: int) -> None:
        await asyncio.sleep(DEBOUNCE_S)
        self.tasks.append(asyncio.create_task(self._complete(doc, version)))

    def window(self, doc: Doc) -> tuple[str, str]:
        total = self.max_prompt_tokens
        prefix = prune_lines(
            doc.text[: doc.cursor], int(total * PREFIX_SHARE), self.tokenizer, True
        )
        used = len(self.tokenizer.encode(prefix).ids)
        budget = min(total - used, int(MAX_SUFFIX_SHARE * total))
        suffix = prune_lines(doc.text[doc.cursor :], budget, self.tokenizer, False)
        return prefix, suffix or "\n"

    def _cached(self, prefix: str) -> str | None:
        keys = [key for key in self.cache if prefix.startswith(key)]
        if not keys:
            return None
        key = max(keys, key=len)
        value = self.cache[key]
        return value[len(prefix) - len(key) :] if value.startswith(prefix[len(key) :]) else None

    async def _complete(self, doc: Doc, version: int) -> None:
        self.requests += 1
        prefix, suffix = self.window(doc)
        if (hit := self._cached(prefix)) is not None:
            self.cache_hits += 1
            self.on_answer(doc.path, version, hit)
            return
        line = doc.text[: doc.cursor].rsplit("\n", 1)[-1]
        multiline = not line.lstrip().startswith("#")
        below = next((x for x in doc.text[doc.cursor :].split("\n")[1:] if x.strip()), "")
        try:
            text = await self._generate(prefix, suffix, multiline, below)
        except (OSError, RuntimeError, ValueError) as exc:
            self.errors.append(f"completion: {exc!r}")
            return
        if text is None or version != doc.version:
            return  # VS Code cancelled the provider call: nothing is shown
        self.cache[prefix] = text
        self.on_answer(doc.path, version, text)

    def _reusable(self, prefix: str) -> bool:
        gen = self.current
        return (
            gen is not None
            and (gen.prefix + gen.text).startswith(prefix)
            and len(gen.prefix) <= len(prefix)
        )

    async def _generate(self, prefix: str, suffix: str, multiline: bool, below: str) -> str | None:
        if self._reusable(prefix):
            self.reused += 1
            gen = self.current
        else:
            if self.current is not None and not self.current.done:
                self.current.stream.close()
                self.current.entry["superseded"] = True
                self.aborted += 1
            gen = self._start(prefix, suffix)
        assert gen is not None
        started = time.perf_counter()
        skip = len(prefix) - len(gen.prefix)  # already typed from this generation
        while True:
            text = gen.text[skip:]
            if not multiline and "\n" in text:
                return text[: text.index("\n")]
            lines = text.split("\n")
            complete = lines[:-1]
            if below.strip() and any(x.strip() == below.strip() for x in complete):
                cut = next(i for i, x in enumerate(complete) if x.strip() == below.strip())
                self._full_stop(gen)
                return "\n".join(lines[:cut]).rstrip()
            elapsed = time.perf_counter() - started
            if complete and any(x.strip() for x in complete) and elapsed > MODEL_TIMEOUT_S:
                return "\n".join(complete).rstrip()
            if elapsed > 2.5 * MODEL_TIMEOUT_S and gen.chunks >= 10:
                self._full_stop(gen)
                return text.rstrip()
            if gen.done:
                return text.rstrip()
            gen.updated.clear()
            await gen.updated.wait()

    def _full_stop(self, gen: Generation) -> None:
        if not gen.done:
            gen.stream.close()
            self.aborted += 1

    def _start(self, prefix: str, suffix: str) -> Generation:
        prompt = f"<|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>"
        body = {"model": self.model, "prompt": prompt, "max_tokens": MAX_TOKENS}
        body |= {"temperature": 0.01, "stop": STOP, "stream": True}
        body["stream_options"] = {"include_usage": True}  # usage when the stream runs to its end
        gen = Generation(prefix, EventStream(self.port, "/v1/completions", body))
        self.current = gen
        self.model_calls += 1
        tokens = self.tokenizer.encode(prompt).ids
        reused = max((common_prefix(tokens, old) for old in self.prompts), default=0)
        self.prompts.append(tokens)
        entry = {"started": time.perf_counter(), "ended": 0, "prompt_tokens": len(tokens)}
        entry |= {"reused": reused, "uncached": len(tokens) - reused, "generated": 0}
        entry["estimated"] = True  # until the server's usage says
        self.calls.append(entry)
        gen.entry = entry
        self.tasks.append(asyncio.create_task(self._pump(gen, entry)))
        return gen

    async def _pump(self, gen: Generation, entry: dict) -> None:
        try:
            async for event in gen.stream.events():
                if usage := event.get("usage"):
                    cached = usage.get("prompt_tokens_details", {}).get("cached_tokens", 0)
                    entry |= {"prompt_tokens": usage["prompt_tokens"], "reused": cached}
                    entry["uncached"] = usage["prompt_tokens"] - cached
                    entry["estimated"] = False
                for choice in event.get("choices", []):
                    gen.text += choice.get("text", "")
                    gen.chunks += 1
                    entry["generated"] = gen.chunks
                gen.updated.set()
        except (OSError, ValueError, RuntimeError) as exc:
            if gen.stream.writer is None or not gen.stream.writer.is_closing():
                self.errors.append(f"stream: {exc!r}")
        finally:
            entry["ended"] = time.perf_counter()
            gen.done = True
            gen.updated.set()

    async def figures(self) -> dict:
        await asyncio.sleep(0.5)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        return {
            "requests": self.requests,
            "model_calls": self.model_calls,
            "cache_hits": self.cache_hits,
            "generator_reused": self.reused,
            "aborted_streams": self.aborted,
            "calls": self.calls,
            "errors": self.errors,
            "superseded_answered": 0,  # Continue shows nothing for a cancelled provider call
        }

    async def stop(self) -> None:
        if self.current is not None:
            self.current.stream.close()
