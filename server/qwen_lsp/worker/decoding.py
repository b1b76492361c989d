"""Token generators over a live KV cache: mlx-lm's plain decoding, or prompt-lookup speculation.

Both yield raw token ids (stop ids included) and leave the cache holding at least the prompt and
every token they yielded; the caller trims any surplus back when it stops early.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mlx.core as mx
from mlx_lm.generate import generate_step, generation_stream
from mlx_lm.models.cache import trim_prompt_cache

from .speculation import NgramIndex, SpeculationStats, accepted_length

PREFILL_STEP = 2048  # mlx-lm's default, so both paths prefill in the same chunks


def plain_tokens(
    model: Any,
    cache: list[Any],
    rest: list[int],
    max_tokens: int,
    sampling_kwargs: dict[str, Any],
    stats: SpeculationStats,
) -> Iterator[int]:
    """mlx-lm's own decoding loop, one forward pass per token."""
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
    """
    with mx.stream(generation_stream):
        rest_arr = mx.array(rest)
        while rest_arr.size > 1:  # prefill as mlx-lm does: all but the last token, in chunks
            n = min(PREFILL_STEP, rest_arr.size - 1)
            model(rest_arr[:n][None], cache=cache)
            mx.eval([c.state for c in cache])
            rest_arr = rest_arr[n:]
        last, produced = rest[-1], 0
        while produced < max_tokens:
            draft = index.draft(min(draft_tokens, max_tokens - produced - 1))
            fed = [last, *draft]
            logits = model(mx.array(fed)[None], cache=cache)[0]
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
            last = emitted[-1]
