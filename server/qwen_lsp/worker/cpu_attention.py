"""Attention on mlx's CPU backend, done by numpy.

On the CPU, mlx's `exp` is not vectorised (~27 ns per element, numpy's ~1.7) and the Linux
wheel's matmul is the reference BLAS: a prompt chunk's attention over a 2k-token cache spent
~90% of each layer there (BENCHMARKS.md, issue 14). Every forward pass (prompt chunks, decode
steps, speculation's verify passes) takes numpy's path (OpenBLAS, vectorised `exp`), so
speculation's tokens are computed as without it. On a GPU nothing changes.
"""

from __future__ import annotations

import sys
from typing import Any

import mlx.core as mx
import numpy as np

_FLOATS = (mx.float32, mx.float16, mx.bfloat16)  # computed in float32, as mlx's softmax does
_ORIGINAL = "_qwen_lsp_mlx_attention"  # kept on the patched module, for `uninstall`


def install(model: Any) -> bool:
    """Route the model's attention through `attention` when mlx computes on the CPU; True if it
    does now. Patches the module of the model's class (mlx-lm's models call
    `scaled_dot_product_attention` by that name): one model per worker process."""
    module: Any = sys.modules.get(type(model).__module__)
    if mx.default_device() != mx.cpu or not hasattr(module, "scaled_dot_product_attention"):
        return False
    original = getattr(module, _ORIGINAL, module.scaled_dot_product_attention)
    setattr(module, _ORIGINAL, original)
    module.scaled_dot_product_attention = _routed(original)
    return True


def uninstall(model: Any) -> None:
    """mlx's own attention again (benchmarks compare the two in one process)."""
    module: Any = sys.modules.get(type(model).__module__)
    if hasattr(module, _ORIGINAL):
        module.scaled_dot_product_attention = getattr(module, _ORIGINAL)
        delattr(module, _ORIGINAL)


def _routed(original: Any) -> Any:
    def scaled_dot_product_attention(queries, keys, values, cache, scale, mask, sinks=None):
        plain = sinks is None and not hasattr(cache, "bits")  # quantized caches: mlx's kernels
        if plain and handles(queries, keys, mask):
            return attention(queries, keys, values, scale, mask)
        return original(queries, keys, values, cache=cache, scale=scale, mask=mask, sinks=sinks)

    return scaled_dot_product_attention


def handles(queries: mx.array, keys: mx.array, mask: Any) -> bool:
    """Float queries and keys of one type with a causal (or no) mask; else mlx's kernels."""
    plain_mask = mask is None or (isinstance(mask, str) and mask == "causal")
    return plain_mask and queries.dtype == keys.dtype and queries.dtype in _FLOATS


def attention(
    queries: mx.array, keys: mx.array, values: mx.array, scale: float, mask: str | None
) -> mx.array:
    """softmax(q·kᵀ·scale, causal over the cache's last positions)·v as mlx's fallback does it
    (grouped heads, float32 softmax): queries (B, Hq, L, D), keys and values (B, Hkv, S, D)."""
    batch, heads, length, dim = queries.shape
    kv_heads, span = keys.shape[1], keys.shape[2]
    f32 = mx.float32
    q = np.array(queries.astype(f32), copy=True).reshape(batch, kv_heads, -1, dim)  # (B,Hkv,R·L,D)
    q *= scale
    k, v = np.array(keys.astype(f32), copy=False), np.array(values.astype(f32), copy=False)
    scores = q @ k.swapaxes(-1, -2)  # (B, Hkv, R·L, S)
    if mask == "causal":
        # query i sits at position span - length + i: it sees every key before the chunk and,
        # of the chunk's own, those up to itself
        above = np.triu(np.full((length, length), -np.inf, dtype=np.float32), k=1)
        grouped = scores.reshape(batch, kv_heads, -1, length, span)
        grouped[..., span - length :] += above
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    out = scores @ v  # (B, Hkv, R·L, D)
    return mx.array(out.reshape(batch, heads, length, dim)).astype(queries.dtype)
