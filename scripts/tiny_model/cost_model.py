"""The cost-realistic benchmark model: random weights, sized so that on a 2-core CPU with the
`cblas_sgemm` shim it generates ~50 tokens/s and prefills ~10x faster per token, the shape of
Qwen3-Coder-30B-A3B's cost on an M4 Max (1,750 prompt tokens/s, 113 generated tokens/s).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

# Dense qwen3 (float32: the shim speeds up sgemm only); ~25M parameters with the test vocabulary.
COST_SIZES: dict[str, Any] = {
    "hidden_size": 512,
    "num_hidden_layers": 8,
    "intermediate_size": 1536,
    "num_attention_heads": 8,
    "num_key_value_heads": 2,
    "head_dim": 64,
}
RATES_FILE = "rates.json"  # measured prefill/decode rates, read back by the benchmark
PROMPT_TOKENS = 512
GENERATED_TOKENS = 64


def kv_bytes_per_token(config: dict) -> int:
    """K and V of every layer for one token, at the weights' dtype (float32: 4 bytes)."""
    width = config["num_key_value_heads"] * config["head_dim"]
    return config["num_hidden_layers"] * width * 2 * 4


def measure_rates(out: Path) -> dict:
    """Prefill and decode rates of the model in `out`, one warm-up then the best of 3."""
    import mlx.core as mx
    from mlx_lm import load, stream_generate
    from mlx_lm.sample_utils import make_sampler

    model, tokenizer = load(str(out))
    vocab = json.loads((out / "config.json").read_text())["vocab_size"]
    prompt = mx.random.randint(300, vocab - 100, (PROMPT_TOKENS,), key=mx.random.key(1)).tolist()
    prefill, decode = 0.0, 0.0
    for _ in range(4):
        responses = stream_generate(
            model, tokenizer, prompt, max_tokens=GENERATED_TOKENS, sampler=make_sampler(0.0)
        )
        last = list(responses)[-1]
        prefill, decode = max(prefill, last.prompt_tps), max(decode, last.generation_tps)
    config = json.loads((out / "config.json").read_text())
    rates = {
        "prompt_tokens_per_s": round(prefill, 1),
        "generated_tokens_per_s": round(decode, 1),
        "ratio_per_token": round(prefill / decode, 1),
        "kv_bytes_per_token": kv_bytes_per_token(config),
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "prompt_tokens": PROMPT_TOKENS,
        "generated_tokens": GENERATED_TOKENS,
    }
    (out / RATES_FILE).write_text(json.dumps(rates, indent=2) + "\n")
    return rates


def read_rates(model_dir: Path) -> dict | None:
    path = Path(model_dir) / RATES_FILE
    return json.loads(path.read_text()) if path.is_file() else None
