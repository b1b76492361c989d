"""Model configs, seeded random weights and the files `mlx_lm.load` reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlx.core as mx
import mlx.nn as nn
from mlx.utils import tree_flatten
from mlx_lm.models import qwen3, qwen3_moe

_COMMON: dict[str, Any] = {
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 32,
    "rms_norm_eps": 1e-6,
    "rope_theta": 10_000_000.0,  # Qwen3-Coder's
    "max_position_embeddings": 262_144,
    "tie_word_embeddings": True,  # the embedding is most of a tiny model: share it
    "attention_bias": False,
    "torch_dtype": "float32",  # the CPU backend runs MoE (GatherMM) in float32 only
}

# Sizes per architecture: about 1M parameters with a ~3k vocabulary.
ARCHS: dict[str, dict[str, Any]] = {
    "qwen3_moe": {
        "architectures": ["Qwen3MoeForCausalLM"],
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "intermediate_size": 256,
        "num_experts": 8,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 64,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [],
        "norm_topk_prob": True,
    },
    "qwen3": {
        "architectures": ["Qwen3ForCausalLM"],
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "intermediate_size": 512,
    },
}

_MODULES = {"qwen3_moe": qwen3_moe, "qwen3": qwen3}


def model_config(arch: str, vocab_size: int, eos_id: int, sizes: dict | None = None) -> dict:
    """config.json for `arch`; `sizes` overrides the default dimensions."""
    return {
        "model_type": arch,
        **_COMMON,
        **ARCHS[arch],
        **(sizes or {}),
        "vocab_size": vocab_size,
        "bos_token_id": None,
        "eos_token_id": eos_id,
    }


def random_model(config: dict, seed: int) -> nn.Module:
    """A model with seeded random float32 weights."""
    module = _MODULES[config["model_type"]]
    mx.random.seed(seed)
    model = module.Model(module.ModelArgs.from_dict(config))
    mx.eval(model.parameters())
    return model


def parameter_count(model: nn.Module) -> int:
    return sum(v.size for _, v in tree_flatten(model.parameters()))


def save_model(out: Path, model: nn.Module, config: dict) -> None:
    weights = dict(tree_flatten(model.parameters()))
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "mlx"})
    _write_json(out / "config.json", config)


def write_generation_config(out: Path, eos_ids: list[int], pad_id: int) -> None:
    """Qwen3-Coder's sampling defaults, with this tokenizer's ids."""
    config = {
        "bos_token_id": None,
        "eos_token_id": eos_ids,
        "pad_token_id": pad_id,
        "do_sample": True,
        "temperature": 0.7,
        "top_p": 0.8,
        "top_k": 20,
        "repetition_penalty": 1.05,
    }
    _write_json(out / "generation_config.json", config)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
