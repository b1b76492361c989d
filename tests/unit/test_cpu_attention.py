"""Prompt attention on mlx's CPU backend done by numpy (worker/cpu_attention.py): the same
numbers as mlx's own kernels, only for prompt chunks, and only where asked."""

from __future__ import annotations

import mlx.core as mx
import pytest
from mlx_lm.models import qwen3
from mlx_lm.models.cache import make_prompt_cache

from qwen_lsp.backend.framed import WorkerSpec
from qwen_lsp.worker import cpu_attention
from qwen_lsp.worker.main import host_options, parse_args

pytestmark = pytest.mark.unit


def mlx_attention(q, k, v, mask):
    return mx.fast.scaled_dot_product_attention(q, k, v, scale=q.shape[-1] ** -0.5, mask=mask)


@pytest.mark.parametrize("mask", ["causal", None])
@pytest.mark.parametrize(
    "heads, kv_heads, queries, keys",
    [(4, 2, 64, 64), (4, 2, 37, 1500), (8, 8, 16, 300), (8, 2, 512, 700)],
)
def test_a_chunk_attends_as_mlx_computes_it(heads, kv_heads, queries, keys, mask):
    mx.random.seed(heads * queries + keys)
    q = mx.random.normal((1, heads, queries, 32))
    k, v = mx.random.normal((2, 1, kv_heads, keys, 32))
    got = cpu_attention.attention(q, k, v, 32**-0.5, mask)
    assert got.shape == q.shape and got.dtype == mx.float32
    assert mx.allclose(got, mlx_attention(q, k, v, mask), atol=2e-6).item()


def test_keys_read_from_a_growing_cache_buffer_and_half_precision_agree():
    buffer = mx.random.normal((1, 2, 1024, 32))  # a KV cache holds more rows than it fills
    keys = buffer[..., :600, :]
    q = mx.random.normal((1, 4, 40, 32))
    expected = mlx_attention(q, keys, keys, "causal")
    assert mx.allclose(
        cpu_attention.attention(q, keys, keys, 32**-0.5, "causal"), expected, atol=2e-6
    )
    half = [x.astype(mx.bfloat16) for x in (q, keys)]
    got = cpu_attention.attention(half[0], half[1], half[1], 32**-0.5, "causal")
    assert got.dtype == mx.bfloat16
    assert mx.allclose(got.astype(mx.float32), expected, atol=3e-2).item()


def test_only_float_chunks_with_a_causal_or_no_mask_are_taken():
    q, k = mx.zeros((1, 2, 20, 8)), mx.zeros((1, 2, 20, 8))
    assert cpu_attention.handles(q, k, "causal") and cpu_attention.handles(q, k, None)
    assert not cpu_attention.handles(q, k, mx.zeros((20, 20), dtype=mx.bool_))
    assert not cpu_attention.handles(q.astype(mx.float16), k, "causal")


@pytest.fixture
def model():
    args = qwen3.ModelArgs(
        model_type="qwen3", hidden_size=64, num_hidden_layers=2, intermediate_size=128,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6,
        vocab_size=97, max_position_embeddings=4096, rope_theta=10000.0, tie_word_embeddings=True,
    )  # fmt: skip
    mx.random.seed(7)
    made = qwen3.Model(args)
    mx.eval(made.parameters())
    cpu_attention.uninstall(made)  # a worker test of this process may have installed it
    yield made
    cpu_attention.uninstall(made)


def logits_after(model, chunks: list[list[int]]) -> mx.array:
    cache = make_prompt_cache(model)
    for chunk in chunks:
        out = model(mx.array(chunk)[None], cache=cache)
    return out[0, -1]


def test_installed_a_prompt_reads_and_decodes_as_with_mlx(model):
    prompt = [(i * 31) % 97 for i in range(300)]
    chunks = [prompt[:256], prompt[256:], [5]]  # 256 tokens, 44 on top, then one decode step
    before = logits_after(model, chunks)
    assert cpu_attention.install(model)
    after = logits_after(model, chunks)
    assert mx.allclose(after, before, atol=1e-4).item()
    assert mx.argmax(after).item() == mx.argmax(before).item()
    assert not mx.array_equal(after, before).item()  # numpy's path ran: not bit-identical
    cpu_attention.uninstall(model)
    assert mx.array_equal(logits_after(model, chunks), before).item()


def test_a_masked_or_quantized_attention_stays_on_mlx(model):
    assert cpu_attention.install(model)
    q, k = mx.random.normal((1, 4, 15, 16)), mx.random.normal((1, 2, 300, 16))
    mask = mx.random.uniform(shape=(15, 300)) > 0.5
    routed = qwen3.scaled_dot_product_attention(q, k, k, cache=None, scale=0.25, mask=mask)
    own = mx.fast.scaled_dot_product_attention(q, k, k, scale=0.25, mask=mask)
    assert mx.array_equal(routed, own).item()


def test_the_setting_reaches_the_worker():
    for choice in ("numpy", "mlx"):
        args = parse_args(WorkerSpec(model="org/model", cpu_attention=choice).argv()[3:])
        assert host_options(args).cpu_attention == choice
