"""Counters and latency percentiles behind `qwen.stats`."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

LATENCY_WINDOW = 1000


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class AnsweredRequest:
    """One answered inline completion request (from the model or not), timed once its answer
    was written."""

    total_ms: float  # its wall time, read to written
    model_ms: float  # the part of it spent waiting for the model
    item_id: str | None  # the item shown in, for a client's report; None: nothing to show
    waited_ms: float = 0.0  # how long the user waited (from the keystroke), when longer
    # Felt but not the completion's own work: the server's wait before asking the model
    # (`completion.debounceMs`) and pygls's reading the request and writing the answer.
    idle_ms: float = 0.0
    transport_ms: float = 0.0

    @property
    def latency_ms(self) -> float:
        """What the user waited: from the keystroke, or from the request's arrival."""
        return max(self.total_ms, self.waited_ms)

    @property
    def overhead_ms(self) -> float:
        """The server's own work: its wall time less the model's and the waits around them."""
        return max(0.0, self.total_ms - self.transport_ms - self.model_ms - self.idle_ms)


@dataclass
class CompletionStats:
    requests: int = 0
    model_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    reused_prompt_tokens: int = 0
    generated_tokens: int = 0
    cancelled: int = 0
    debounced: int = 0  # requests whose wait before the model a change or a cancel ended
    cancelled_generated_tokens: int = 0  # spent on requests superseded before they finished
    stale: int = 0
    early_answers: int = 0  # answered with the text so far while the model went on
    suggestions_grew: int = 0  # `qwen/suggestionGrew` sent: the whole one ready, nothing typed
    errors: int = 0
    warm_documents: int = 0  # KV caches the worker holds (documents, action sessions), last seen
    kv_cache_bytes: int = 0  # what those caches hold, and the worker's limit, last seen
    kv_cache_limit_bytes: int = 0
    background: BackgroundStats = field(default_factory=lambda: BackgroundStats())
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    ttft_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    overhead_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    changed_at: dict[str, float] = field(default_factory=dict)  # uri → its last, unasked change
    # What clients report they felt (keystroke to ghost text on screen: `feltMs`), beside
    # `latency_ms` of the same answers; item id → its answer's latency until reported.
    felt_client_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    felt_server_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    _latency_of_item: OrderedDict[str, float] = field(default_factory=OrderedDict)
    # request id → (prompt tokens known, tokens generated) at its early answer, until its Done
    _answered_early: dict[int, tuple[bool, int]] = field(default_factory=dict)

    def changed(self, uri: str, at: float) -> None:
        self.changed_at[uri] = at

    def waiting_since(self, uri: str, asked_at: float) -> float:
        """When the user began to wait for a request asked at `asked_at`: at the keystroke
        before it (the trip, and a client's own wait, included), when no request came since."""
        return self.changed_at.pop(uri, asked_at)

    def record_latency(self, answered: AnsweredRequest) -> None:
        """Latency is the wait for ghost text: an answer with nothing to show counts only in the
        server's overhead."""
        if answered.item_id is not None:
            self.latencies_ms.append(answered.latency_ms)
            self._latency_of_item[answered.item_id] = answered.latency_ms
            while len(self._latency_of_item) > LATENCY_WINDOW:
                self._latency_of_item.popitem(last=False)
        self.overhead_ms.append(answered.overhead_ms)

    def record_felt(self, item_id: str, felt_ms: float) -> bool:
        """A client's own time from the keystroke to `item_id` on screen, kept beside the
        server's latency of that answer; once an answer (False: unknown, or reported already)."""
        server_ms = self._latency_of_item.pop(item_id, None)
        if server_ms is None:
            return False
        self.felt_client_ms.append(felt_ms)
        self.felt_server_ms.append(server_ms)
        return True

    def record_model_usage(self, prompt: int, reused: int, generated: int, ttft_ms: float) -> None:
        self.prompt_tokens += prompt
        self.reused_prompt_tokens += reused
        self.generated_tokens += generated
        if ttft_ms:
            self.ttft_ms.append(ttft_ms)

    def record_early_answer(
        self, request_id: int, prompt: int, reused: int, generated: int, ttft_ms: float
    ) -> None:
        """A request answered early: the work until then is what the user waited for."""
        self.early_answers += 1
        self.record_model_usage(prompt, reused, generated, ttft_ms)
        self._answered_early[request_id] = (prompt > 0, generated)

    def record_continuation(
        self, request_id: int, generated: int, cancelled: bool, prompt: int = 0, reused: int = 0
    ) -> bool:
        """The Done of a request answered early (False: not one): its tokens after the answer
        count as background work, superseded ones as cancelled too. A remote server tells the
        prompt's tokens only at the end: they are counted then."""
        early = self._answered_early.pop(request_id, None)
        if early is None:
            return False
        prompt_known, before = early
        if not prompt_known:
            self.record_model_usage(prompt, reused, 0, 0.0)
        after = max(0, generated - before)
        self.background.continuations += 1
        self.background.continued_tokens += after
        if cancelled:
            self.cancelled_generated_tokens += after
        return True

    def snapshot(self) -> dict:
        return {
            "requests": self.requests,
            "model_calls": self.model_calls,
            "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens,
            "reused_prompt_tokens": self.reused_prompt_tokens,
            "kv_reuse": round(self.reused_prompt_tokens / self.prompt_tokens, 4)
            if self.prompt_tokens
            else 0.0,
            "generated_tokens": self.generated_tokens,
            "cancelled": self.cancelled,
            "debounced": self.debounced,
            "cancelled_generated_tokens": self.cancelled_generated_tokens,
            "stale": self.stale,
            "early_answers": self.early_answers,
            "suggestions_grew": self.suggestions_grew,
            "errors": self.errors,
            "warm_documents": self.warm_documents,
            "kv_cache_bytes": self.kv_cache_bytes,
            "kv_cache_limit_bytes": self.kv_cache_limit_bytes,
            "background": self.background.snapshot(),
            "latency_ms": _percentiles(self.latencies_ms),
            "felt_latency_ms": {
                "answers": len(self.felt_client_ms),
                "client": _percentiles(self.felt_client_ms),
                "server": _percentiles(self.felt_server_ms),
            },
            "ttft_ms": _percentiles(self.ttft_ms),
            "server_overhead_ms": _percentiles(self.overhead_ms),
        }


@dataclass
class BackgroundStats:
    """Model work nobody waited for (pre-warm, next suggestions): counted apart, so the figures
    above are those of the requests users wait on."""

    model_calls: int = 0
    prompt_tokens: int = 0
    reused_prompt_tokens: int = 0
    generated_tokens: int = 0
    prewarms: int = 0  # prompts sent to be prefilled
    enter_prewarms: int = 0  # prompts after Enter sent at a line's end (lsp/enter_prewarm.py)
    next_suggestions: int = 0  # suggestions computed ahead and kept in the typing cache
    next_suggestion_hits: int = 0  # requests answered by one of them
    continuations: int = 0  # generations that went on after an early answer
    continued_tokens: int = 0  # tokens they generated after it

    def record_usage(self, prompt: int, reused: int, generated: int) -> None:
        self.model_calls += 1
        self.prompt_tokens += prompt
        self.reused_prompt_tokens += reused
        self.generated_tokens += generated

    def snapshot(self) -> dict:
        return dict(self.__dict__)


def _percentiles(samples: deque[float]) -> dict[str, float]:
    values = list(samples)
    return {f"p{q}": round(percentile(values, q / 100), 2) for q in (50, 95, 99)}
