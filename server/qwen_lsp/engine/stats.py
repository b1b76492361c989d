"""Counters and latency percentiles behind `qwen.stats`."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

LATENCY_WINDOW = 1000


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0.0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class CompletionStats:
    requests: int = 0
    model_calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    reused_prompt_tokens: int = 0
    generated_tokens: int = 0
    cancelled: int = 0
    cancelled_generated_tokens: int = 0  # spent on requests superseded before they finished
    stale: int = 0
    errors: int = 0
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    ttft_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))
    overhead_ms: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_WINDOW))

    def record_latency(self, total_ms: float, model_ms: float) -> None:
        """One answered request: its wall time and the part spent outside the model."""
        self.latencies_ms.append(total_ms)
        self.overhead_ms.append(max(0.0, total_ms - model_ms))

    def record_model_usage(self, prompt: int, reused: int, generated: int, ttft_ms: float) -> None:
        self.prompt_tokens += prompt
        self.reused_prompt_tokens += reused
        self.generated_tokens += generated
        if ttft_ms:
            self.ttft_ms.append(ttft_ms)

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
            "cancelled_generated_tokens": self.cancelled_generated_tokens,
            "stale": self.stale,
            "errors": self.errors,
            "latency_ms": _p50_p95(self.latencies_ms),
            "ttft_ms": _p50_p95(self.ttft_ms),
            "server_overhead_ms": _p50_p95(self.overhead_ms),
        }


def _p50_p95(samples: deque[float]) -> dict[str, float]:
    values = list(samples)
    return {
        "p50": round(percentile(values, 0.5), 2),
        "p95": round(percentile(values, 0.95), 2),
        "p99": round(percentile(values, 0.99), 2),
    }
