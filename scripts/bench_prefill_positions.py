"""What a prompt's prefill costs on this CPU by where its tokens sit, and which operation pays it.

    .venv/bin/python scripts/bench_prefill_positions.py [--model build/trained-model]

The typing replay's slowest pause is a file switch's first keystrokes waiting for ~1,460 tokens
of the file's own text to be prefilled after its ~630-token repository section. This measures
(1) 512 tokens prefilled after 0, 500 and 1,500 cached ones, (2) the switch's prefill in chunks
of several sizes, (3) decoding after a 2,000-token prompt, and (4) the attention's parts at one
layer's shapes: on mlx's CPU backend the softmax's `exp`, one per attention score, dominates a
small model's prefill at these lengths. Each is timed with mlx's attention and with the worker's
numpy one (`worker.cpuAttention`, server/qwen_lsp/worker/cpu_attention.py) in one process.
Run with the sgemm shim preloaded as the replay does (scripts/typing_bench/servers.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import mlx.core as mx
import numpy as np
from mlx_lm import load
from mlx_lm.generate import generate_step
from mlx_lm.models.cache import make_prompt_cache

from qwen_lsp.worker import cpu_attention

REPO = Path(__file__).resolve().parents[1]
TEXT = REPO / "server/qwen_lsp/lsp/completion.py"


def best_ms(run: Callable[[], object], repeats: int = 3) -> float:
    """Best of `repeats` after one warm-up: `run`'s own seconds where it returns them."""
    run()
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        own = run()
        times.append(own if isinstance(own, float) else time.perf_counter() - began)
    return min(times) * 1000


def prefill(model, ids: list[int], cached: int, step: int) -> float:
    """Seconds to prefill `ids` after its first `cached` (prefilled first, not timed)."""
    cache = make_prompt_cache(model)
    if cached:
        model(mx.array(ids[:cached])[None], cache=cache)
        mx.eval([c.state for c in cache])
    began = time.perf_counter()
    for at in range(cached, len(ids), step):
        model(mx.array(ids[at : at + step])[None], cache=cache)
        mx.eval([c.state for c in cache])
    return time.perf_counter() - began


def decode(model, prompt: list[int], n: int) -> tuple[float, list[int]]:
    """Seconds per token decoding `n` after `prompt` (prefilled first, untimed), and the tokens."""
    cache = make_prompt_cache(model)
    model(mx.array(prompt[:-1])[None], cache=cache)
    mx.eval([c.state for c in cache])
    began, tokens = time.perf_counter(), []
    for token, _ in generate_step(mx.array(prompt[-1:]), model, prompt_cache=cache, max_tokens=n):
        tokens.append(int(token))
    return (time.perf_counter() - began) / n, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "build/trained-model")
    args = parser.parse_args()
    if "LD_PRELOAD" not in os.environ:
        print("note: the sgemm shim is not preloaded (the replay preloads it)", file=sys.stderr)
    model, tokenizer = load(str(args.model))
    ids = tokenizer.encode(TEXT.read_text() * 3)[:2090]

    def both(run: Callable[[], object]) -> str:
        cpu_attention.uninstall(model)
        mlx_ms = best_ms(run)
        cpu_attention.install(model)
        numpy_ms = best_ms(run)
        cpu_attention.uninstall(model)
        return f"{mlx_ms:.0f} | {numpy_ms:.0f} | {mlx_ms / numpy_ms:.1f}x"

    print("512 tokens prefilled in one chunk, ms (best of 3)\n")
    print("| cached tokens before | mlx attention | numpy attention | speed-up |")
    print("|---|---|---|---|")
    for cached in (0, 500, 1500):
        tokens = ids[: cached + 512]
        print(f"| {cached} | {both(lambda t=tokens, c=cached: prefill(model, t, c, 512))} |")

    print("\n1,462 tokens after 628 cached, ms (best of 3)\n")
    print("| chunk tokens | mlx attention | numpy attention | speed-up |")
    print("|---|---|---|---|")
    for step in (64, 128, 512, 1462):
        print(f"| {step} | {both(lambda s=step: prefill(model, ids, 628, s))} |")

    print("\n40 tokens decoded greedily after a 2,000-token prompt (mlx-lm's generate_step)\n")
    print("| attention | ms per token (median of 5, alternated) | the same 40 tokens |")
    print("|---|---|---|")
    decoded: dict[str, list[tuple[float, list[int]]]] = {"mlx": [], "numpy": []}
    for _ in range(5):
        for name in decoded:
            (cpu_attention.install if name == "numpy" else cpu_attention.uninstall)(model)
            decoded[name].append(decode(model, ids[:2000], 40))
    cpu_attention.uninstall(model)
    same = decoded["mlx"][0][1] == decoded["numpy"][0][1]
    for name, runs in decoded.items():
        median_ms = sorted(t for t, _ in runs)[2] * 1000
        print(f"| {name} | {median_ms:.2f} | {'yes' if same else 'no'} |")

    config = model.args
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    dim = config.head_dim
    q = mx.random.normal((1, heads, 512, dim))
    k, v = (mx.random.normal((1, kv_heads, 2000, dim)) for _ in range(2))
    scores = mx.random.normal((1, heads, 512, 2000))
    mx.eval(q, k, v, scores)
    host = np.array(scores)
    print(f"\none layer's attention, 512 queries x 2,000 keys, {heads} heads (best of 3, ms):")
    sdpa = mx.fast.scaled_dot_product_attention
    parts = {
        "mx.fast.scaled_dot_product_attention (causal)": lambda: mx.eval(
            sdpa(q, k, v, scale=dim**-0.5, mask="causal")
        ),
        "softmax of the scores": lambda: mx.eval(mx.softmax(scores, axis=-1, precise=True)),
        "mx.exp of the scores": lambda: mx.eval(mx.exp(scores)),
        "the scores minus 1 (an elementwise op for scale)": lambda: mx.eval(scores - 1.0),
        "numpy.exp of the same scores": lambda: np.exp(host),
        "the worker's numpy attention (causal)": lambda: mx.eval(
            cpu_attention.attention(q, k, v, dim**-0.5, "causal")
        ),
    }
    for name, run in parts.items():
        print(f"- {name}: {best_ms(run):.1f}")


if __name__ == "__main__":
    main()
