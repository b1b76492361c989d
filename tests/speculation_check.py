"""Greedy answers with and without speculation, for the exactness tests on both test models."""

from __future__ import annotations

import msgspec

from qwen_lsp import messages as m
from qwen_lsp.worker.host import ModelHost
from qwen_lsp.worker.speculation import SpeculationStats


def answers(host: ModelHost, requests: list, speculate: bool) -> list[m.Done]:
    """Answers in order, on caches of their own (keys tagged by mode), as a worker would."""
    host.options.speculation = "all" if speculate else "off"
    try:
        return [
            host.generate(
                msgspec.structs.replace(r, cache_key=f"{speculate}:{r.cache_key}"), lambda: False
            )
            for r in requests
        ]
    finally:
        host.options.speculation = "all"


def assert_same_answers(host: ModelHost, requests: list) -> SpeculationStats:
    """Byte-identical text, finish reason and token count; returns the speculation totals."""
    plain = answers(host, requests, speculate=False)
    total = SpeculationStats()
    for request, expected in zip(requests, plain, strict=True):
        got = host.generate(request, cancelled=lambda: False)
        total.drafted += host.last_speculation.drafted
        total.accepted += host.last_speculation.accepted
        total.forward_passes += host.last_speculation.forward_passes
        assert (got.text, got.finish_reason) == (expected.text, expected.finish_reason)
        assert got.usage.generated_tokens == expected.usage.generated_tokens
    return total
