"""The model side of the worker: load once, keep KV prompt caches, generate with cancellation.

Runs in the worker process only (imports mlx); never imports pygls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mlx.core as mx
from mlx_lm import load
from mlx_lm.generate import generation_stream, wired_limit
from mlx_lm.models.cache import can_trim_prompt_cache, make_prompt_cache, trim_prompt_cache

from ..engine.answer_box import AnswerBox
from ..engine.fim import END_OF_TEXT, FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX, STOP_MARKERS
from ..engine.tool_calls import parse_tool_calls
from ..messages import Chat, Done, FinishReason, Generate, Sampling, ToolCall, Usage
from . import cpu_attention
from .decoding import (
    PENALTY_CONTEXT,
    PREFILL_STEP,
    plain_tokens,
    prefill,
    speculative_tokens,
)
from .doc_cache import DocumentCaches
from .kv_trace import KvTrace, timings
from .memory import kv_bytes_per_token, too_large
from .model_files import ModelLoadError, materialize, resolve_model_dir
from .pace import PrefillPace
from .prompt_tokens import prompt_encoder
from .sampling import default_sampling, read_generation_config, sampling_kwargs
from .speculation import (
    FIM_MIN_N,
    LineEnds,
    NgramIndex,
    SpeculationStats,
    fim_lookup,
    tool_call_sketches,
)
from .stops import first_stop


@dataclass
class HostOptions:
    model: str
    cache_bytes: int = 2 << 30
    max_context_tokens: int = 32768
    speculation: str = "all"  # "off", "actions" (chats) or "all" (FIM too)
    draft_tokens: int = 8
    preempt_chunk_ms: int = 12  # a preemptible prefill chunk's time (pace.py); 0: 64 tokens
    allow_download: bool = False
    cpu_attention: str = "numpy"  # "mlx": mlx's own kernels also on the CPU (cpu_attention.py)


class ModelHost:
    """One loaded model and its prompt caches; called from the single generation thread."""

    def __init__(self, options: HostOptions) -> None:
        self.options = options
        self.model: Any = None
        self.tokenizer: Any = None
        self.caches = DocumentCaches(
            0, self._new_cache, trim_prompt_cache, can_trim_prompt_cache, self._cache_tokens
        )
        self.kv_bytes_per_token = 0.0
        self.last_speculation = SpeculationStats()
        self._sketches: dict[str, list[list[int]]] = {}  # the last tools' call syntax, tokens
        self._line_ends: LineEnds | None = None  # made on the first FIM draft
        self.context_length = 0
        self.generation_config: dict = {}
        self.kv_trace: KvTrace | None = None
        self._prompt_tokens: Callable[[str], list[int]] = prompt_encoder(None)  # set by load
        self.pace = PrefillPace(options.preempt_chunk_ms / 1000)  # a keystroke waits for one

    def load(self, progress: Callable[[str, int | None], None]) -> None:
        progress(f"Resolving {self.options.model}", 0)
        model_dir = resolve_model_dir(self.options.model, progress, self.options.allow_download)
        if refusal := too_large(Path(model_dir)):  # before reading anything into memory
            raise ModelLoadError(refusal)
        progress("Reading model files", 5)
        try:  # a model's own Python code is never run: trust_remote_code stays off
            model, tokenizer = load(
                model_dir,
                lazy=True,
                trust_remote_code=False,
                tokenizer_config={"trust_remote_code": False},
            )[:2]
        except Exception as exc:
            raise ModelLoadError(f"'{model_dir}' is not a loadable MLX model: {exc}") from exc
        materialize(model, progress)
        if self.options.cpu_attention == "numpy":  # mlx's own is slow there: cpu_attention.py
            cpu_attention.install(model)
        self.model, self.tokenizer = model, tokenizer
        # FIM and repo markers end a completion like eos does (they are not all special).
        stop_ids = {tokenizer.convert_tokens_to_ids(m) for m in STOP_MARKERS} - {None}
        tokenizer.eos_token_ids = set(tokenizer.eos_token_ids) | stop_ids
        self.generation_config = read_generation_config(Path(model_dir))
        args = getattr(model, "args", None)
        self.context_length = int(getattr(args, "max_position_embeddings", 0) or 0)
        markers = tokenizer.convert_tokens_to_ids([FIM_PREFIX, FIM_SUFFIX, FIM_MIDDLE])
        self.kv_trace = KvTrace.from_env(markers, tokenizer.decode)
        self._prompt_tokens = prompt_encoder(tokenizer)
        self.kv_bytes_per_token = self._measure_kv_bytes_per_token()
        self.caches.budget_tokens = int(self.options.cache_bytes // self.kv_bytes_per_token)
        progress("Warming up", 97)
        self._warm_up()
        progress("Model ready", 100)

    def _measure_kv_bytes_per_token(self) -> float:
        cache = make_prompt_cache(self.model)
        self.model(mx.array([[0]]), cache=cache)
        mx.eval([c.state for c in cache])
        return kv_bytes_per_token(cache)

    def _warm_up(self) -> None:
        """First-use costs (kernels, chat template compile) belong to loading, not a keystroke."""
        self.generate(
            Generate(id=0, prompt=FIM_PREFIX + FIM_SUFFIX + FIM_MIDDLE, max_tokens=1),
            cancelled=lambda: False,
        )
        self.caches.clear()  # warm_caches counts documents and sessions only
        if getattr(self.tokenizer, "chat_template", None):
            self.tokenizer.apply_chat_template(
                [{"role": "user", "content": "hi"}], add_generation_prompt=True, tokenize=False
            )

    @property
    def has_tool_parser(self) -> bool:
        return bool(getattr(self.tokenizer, "has_tool_calling", False))

    # --- generation ---------------------------------------------------------------------------

    def generate(
        self,
        request: Generate | Chat,
        cancelled: Callable[[], bool],
        on_text: Callable[[str], None] | None = None,
    ) -> Done:
        """The whole generation at once (`steps` lets a scheduler pause it)."""
        steps = self.steps(request, cancelled, on_text)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value

    def steps(
        self,
        request: Generate | Chat,
        cancelled: Callable[[], bool],
        on_text: Callable[[str], None] | None = None,
        arrived: float | None = None,
        on_early: Callable[[str, Usage], None] | None = None,
        urgent: Callable[[], bool] | None = None,
    ) -> Generator[None, None, Done]:
        """Generate, pausing after each prefill chunk and each decoded token; returns the answer.

        Paused, it holds its own KV cache and decoder state. `max_tokens=0` only prefills the
        prompt into its key's cache (a pre-warm). The time limit and a Generate's
        `answer_within_ms` (the text so far to `on_early`, once) count from `arrived`. While
        `urgent()`, a preemptible prefill goes in big chunks (a keystroke waits for it).
        """
        started = time.perf_counter()
        tokens = self._encode(request)
        if not tokens:
            raise ValueError("the prompt is empty")
        if len(tokens) + request.max_tokens > self.options.max_context_tokens:
            raise ValueError(
                f"prompt of {len(tokens)} tokens + {request.max_tokens} to generate exceeds "
                f"worker.maxContextTokens ({self.options.max_context_tokens})"
            )
        key, keystroke = request.cache_key, request.priority == "interactive"
        traced = self.kv_trace and request.id  # what its cache held before (diagnostics)
        before = (
            self.caches.peek(self.caches.best(key, tokens, keystroke) or key) if traced else None
        )
        cache, reused = self.caches.take(key, tokens, alternates=keystroke)
        sampling = request.sampling or default_sampling(self.generation_config)
        since = started if arrived is None else arrived
        deadline = since + request.max_time_ms / 1000 if request.max_time_ms else None
        extra_stops = list(getattr(request, "stop", []) or [])
        after_space = bool(getattr(request, "stop_after_space", False))
        stop_ids = self.tokenizer.eos_token_ids
        detokenizer = self.tokenizer.detokenizer
        stats = self.last_speculation = SpeculationStats()
        box = AnswerBox(getattr(request, "answer_within_ms", 0) if on_early else 0, since)

        def stopped() -> FinishReason | None:
            if cancelled():
                return "cancelled"
            if deadline is not None and time.perf_counter() > deadline:
                return "length"
            return None

        # Decoders get a short tail: the context mlx-lm's logits processors look at.
        tail = min(PENALTY_CONTEXT, len(tokens) - reused) if request.max_tokens else 0

        def step() -> int:
            hurry = request.priority == "interactive" or (urgent is not None and urgent())
            return PREFILL_STEP if hurry else self.pace.chunk()

        produced: list[int] = []
        ttft = 0.0

        def text_so_far() -> str:
            text = self.tokenizer.decode(produced).rstrip("\ufffd")  # a character half made
            return text[: first_stop(text, extra_stops, after_space)]

        finish: FinishReason | None = None
        prefilled = 0.0  # when the prefill ended (diagnostics: the KV trace's timings)
        with wired_limit(self.model, [generation_stream]):  # type: ignore[list-item]
            rest = tokens[reused : len(tokens) - tail]
            chunks = prefill(self.model, cache, rest, step, self.pace.record)
            for _ in chunks:
                yield
                if finish := stopped():
                    break
            prefilled = time.perf_counter()
            decoding = (
                self._tokens(request, sampling, cache, tokens, len(tokens) - tail, stats)
                if tail and not finish
                else iter(())
            )
            for token in decoding:
                ttft = ttft or time.perf_counter() - started
                if token in stop_ids:
                    finish = "stop"
                    break
                produced.append(token)
                detokenizer.add_token(token)
                if on_text and detokenizer.last_segment:
                    on_text(detokenizer.last_segment)
                if first_stop(detokenizer.text, extra_stops, after_space) is not None:
                    finish = "stop"
                    break
                if len(produced) == request.max_tokens:
                    break
                if on_early and (early := box.due(time.perf_counter(), text_so_far)) is not None:
                    on_early(early, _usage_so_far(tokens, reused, produced, ttft, started))
                yield
                if finish := stopped():
                    break
        detokenizer.finalize()
        if on_text and detokenizer.last_segment:
            on_text(detokenizer.last_segment)
        # The streaming detokenizer drops a leading space: the answer is decoded whole.
        text = self.tokenizer.decode(produced)
        finish = finish or "length"
        if (stop_at := first_stop(text, extra_stops, after_space)) is not None:
            text = text[:stop_at]  # also in text the detokenizer held back until the end
            finish = "stop" if finish == "length" else finish

        self._keep_cache(request.cache_key, tokens + produced, cache)
        if self.kv_trace and request.id:  # diagnostics only (QWEN_LSP_KV_TRACE)
            held = len(self.caches.peek(request.cache_key) or ())
            timing = timings(since, started, prefilled)
            self.kv_trace.record(
                request, tokens, before, reused, held, finish, len(produced), timing
            )
        usage = Usage(
            prompt_tokens=len(tokens),
            reused_tokens=reused,
            generated_tokens=len(produced),
            ttft_ms=ttft * 1000,
            total_ms=(time.perf_counter() - started) * 1000,
            warm_caches=len(self.caches),
            kv_cache_bytes=int(self.caches.held_tokens * self.kv_bytes_per_token),
            kv_cache_limit_bytes=self.options.cache_bytes,
        )
        done = Done(id=request.id, text=text, finish_reason=finish, usage=usage)
        if isinstance(request, Chat):
            done.tool_calls, done.tool_call_errors = self._parse_tool_calls(text, request.tools)
        return done

    def _encode(self, request: Generate | Chat) -> list[int]:
        if isinstance(request, Chat):
            prompt = self.tokenizer.apply_chat_template(
                request.messages,
                tools=request.tools or None,
                add_generation_prompt=True,
                tokenize=False,
            )
        else:
            return self._prompt_tokens(request.prompt)
        return list(self.tokenizer.encode(prompt, add_special_tokens=False))

    def _tokens(
        self,
        request: Generate | Chat,
        sampling: Sampling,
        cache: list[Any],
        tokens: list[int],
        cached: int,
        stats: SpeculationStats,
    ) -> Iterator[int]:
        """Speculate only for greedy decoding with no logits processors: there it is exact."""
        greedy = sampling.temperature == 0 and sampling.repetition_penalty == 1.0
        kinds = {"all": True, "actions": isinstance(request, Chat)}
        if kinds.get(self.options.speculation) and self.options.draft_tokens > 0 and greedy:
            return speculative_tokens(
                self.model,
                cache,
                self._lookup(request, tokens),
                tokens[cached:],
                request.max_tokens,
                self.options.draft_tokens,
                stats,
            )
        return plain_tokens(
            self.model,
            cache,
            tokens[cached:],
            request.max_tokens,
            sampling_kwargs(sampling),
            stats,
        )

    def _lookup(self, request: Generate | Chat, tokens: list[int]) -> NgramIndex:
        """Drafts copy the prompt; a FIM answer continues its prefix and may copy its suffix,
        a chat answer may copy the syntax of a call to one of its tools."""
        if isinstance(request, Chat):
            key = json.dumps(request.tools, sort_keys=True)
            if request.tools and key not in self._sketches:
                encode = partial(self.tokenizer.encode, add_special_tokens=False)
                render = self.tokenizer.apply_chat_template
                self._sketches = {key: tool_call_sketches(render, encode, request.tools)}
            return NgramIndex(tokens, sources=self._sketches.get(key, []))
        ids = self.tokenizer.convert_tokens_to_ids([FIM_SUFFIX, FIM_MIDDLE])
        live, suffix = fim_lookup(tokens, *ids) if None not in ids else (tokens, [])
        return NgramIndex(live, min_n=FIM_MIN_N, sources=[suffix], line_ends=self._ends(suffix))

    def _ends(self, suffix: list[int]) -> LineEnds | None:
        """Where the suffix starts a new line (the cursor at a line's end) an answer mostly
        ends with the line: its drafts do."""
        if not suffix or not self.tokenizer.decode(suffix[:1]).startswith("\n"):
            return None
        stop = self.tokenizer.convert_tokens_to_ids(END_OF_TEXT)
        if stop not in self.tokenizer.eos_token_ids:  # this model's answers end otherwise
            return None
        if self._line_ends is None:
            encode = partial(self.tokenizer.encode, add_special_tokens=False)
            self._line_ends = LineEnds(self.tokenizer.decode, encode, stop)
        return self._line_ends

    def _keep_cache(self, key: str, tokens: list[int], cache: list[Any]) -> None:
        """Give the cache back under exactly the tokens it holds (an eos may have been fed)."""
        held = getattr(cache[0], "offset", None) if cache else None
        if held is None:
            return
        if held > len(tokens):
            trim_prompt_cache(cache, held - len(tokens))
            held = len(tokens)
        self.caches.put(key, tokens[:held], cache)

    def _new_cache(self) -> list[Any]:
        return make_prompt_cache(self.model)

    def _cache_tokens(self, cache: list[Any]) -> int:
        """Memory a cache holds (allocated, not just filled), in tokens of this model's KV."""
        return int(sum(c.nbytes for c in cache) / (self.kv_bytes_per_token or 1))

    def _parse_tool_calls(self, text: str, tools: list[dict]) -> tuple[list[ToolCall], list[str]]:
        parser = getattr(self.tokenizer, "tool_parser", None)
        calls, errors = parse_tool_calls(text, tools, parser)
        return [ToolCall(name=name, arguments=args) for name, args in calls], errors


def _usage_so_far(
    tokens: list[int], reused: int, produced: list[int], ttft: float, started: float
) -> Usage:
    return Usage(
        prompt_tokens=len(tokens),
        reused_tokens=reused,
        generated_tokens=len(produced),
        ttft_ms=ttft * 1000,
        total_ms=(time.perf_counter() - started) * 1000,
    )
