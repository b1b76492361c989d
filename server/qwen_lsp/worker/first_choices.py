"""The likeliest first tokens of an answer, from its first decoding step's log-probabilities.

The server computes ahead the suggestion after each likely next key (lsp/next_keys.py); the
model's first step already holds what it expects there, so naming it costs one top-k.
"""

from __future__ import annotations

from collections.abc import Callable, Container

import mlx.core as mx

from ..messages import FirstChoice


def likeliest(
    logprobs: mx.array, count: int, token_text: Callable[[int], str], skip: Container[int]
) -> list[FirstChoice]:
    """Up to `count` tokens by probability, likeliest first: tokens in `skip` (stops), and
    those with no text of their own (special tokens, a character's partial bytes) left out."""
    flat = logprobs.reshape(-1).astype(mx.float32)
    wanted = min(flat.size, 2 * count + 4)  # room for the tokens left out
    if count <= 0 or wanted == 0:
        return []
    top = mx.argpartition(-flat, kth=wanted - 1)[:wanted]
    probabilities: list[float] = mx.exp(flat[top]).tolist()  # type: ignore[assignment]
    tokens: list[int] = top.tolist()  # type: ignore[assignment]
    ranked = sorted(zip(probabilities, tokens, strict=True), reverse=True)
    choices: list[FirstChoice] = []
    for probability, token in ranked:
        text = "" if token in skip else token_text(token)
        if text and "\ufffd" not in text:
            choices.append(FirstChoice(text, round(probability, 5)))
        if len(choices) == count:
            break
    return choices
