"""Token generators over a live KV cache: chunked prefill, then mlx-lm's plain decoding or
prompt-lookup speculation.

The decoders yield raw token ids (stop ids included) and leave the cache holding at least the
prompt and every token they yielded; the caller trims any surplus back when it stops early.
Every generator here can be paused between its yields and resumed later: its state is its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import mlx.core as mx
from mlx_lm.generate import generate_step, generation_stream
from mlx_lm.models.cache import trim_prompt_cache

from .speculation import NgramIndex, SpeculationStats, accepted_length

# Prefill chunks: a cancel or a superseding keystroke waits for one. Work a keystroke may preempt
# (jobs, background) goes in smaller ones, sized by time (pace.py).
PREFILL_STEP = 512
PENALTY_CONTEXT = 20  # tokens mlx-lm's repetition penalty looks back at (its default)


def prefill(
    model: Any,
    cache: list[Any],
    tokens: list[int],
    step: int | Callable[[], int],
    timed: Callable[[int, float], None] | None = None,
) -> Iterator[int]:
    """Feed `tokens` into the cache in chunks of `step` (or of what `step()` says before each),
    yielding how many are in after each: a caller that stops between chunks keeps a cache
    holding exactly those. `timed(n, seconds)` hears what each chunk took."""
    fed = 0
    with mx.stream(generation_stream):
        while fed < len(tokens):
            n = min(step() if callable(step) else step, len(tokens) - fed)
            began = time.perf_counter()
            model(mx.array(tokens[fed : fed + n])[None], cache=cache)
            mx.eval([c.state for c in cache])
            if timed is not None:
                timed(n, time.perf_counter() - began)
            fed += n
            yield fed


def plain_tokens(
    model: Any,
    cache: list[Any],
    rest: list[int],
    max_tokens: int,
    sampling_kwargs: dict[str, Any],
    stats: SpeculationStats,
) -> Iterator[int]:
    """mlx-lm's own decoding loop, one forward pass per token (it prefills `rest` but its last
    token in one go: give it a short rest, with the context its logits processors look at)."""
    steps = generate_step(
        mx.array(rest),
        model,
        max_tokens=max_tokens,
        prompt_cache=cache,
        prefill_step_size=PREFILL_STEP,
        **sampling_kwargs,
    )
    for token, _ in steps:
        stats.forward_passes += 1
        yield int(token)


def speculative_tokens(
    model: Any,
    cache: list[Any],
    index: NgramIndex,
    rest: list[int],
    max_tokens: int,
    draft_tokens: int,
    stats: SpeculationStats,
) -> Iterator[int]:
    """Greedy decoding (no logits processors), verifying up to `draft_tokens` drafted per pass
    from `index` (which holds the prompt).

    Each pass feeds [last token + draft], keeps the draft's longest prefix the model's argmax
    agrees with plus the model's own next token, and trims the rejected rest from the cache:
    the tokens are exactly those of greedy decoding, fewer passes when drafts are right.
    The first pass feeds all of `rest` (a long one goes through `prefill` first) with the draft.
    """
    with mx.stream(generation_stream):
        last, produced = rest, 0
        while produced < max_tokens:
            draft = index.draft(min(draft_tokens, max_tokens - produced - 1))
            fed = [*last, *draft]
            logits = model(mx.array(fed)[None], cache=cache)[0, len(last) - 1 :]
            logprobs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
            verified: list[int] = mx.argmax(logprobs, axis=-1).tolist()  # type: ignore[assignment]
            stats.forward_passes += 1
            stats.drafted += len(draft)
            kept = accepted_length(draft, verified)
            stats.accepted += kept
            if kept < len(draft):
                trim_prompt_cache(cache, len(draft) - kept)
            emitted = [*draft[:kept], verified[kept]]
            index.extend(emitted)
            for token in emitted:
                produced += 1
                yield token
            last = emitted[-1:]
