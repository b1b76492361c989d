"""Sampling settings for a generation: the model's own defaults and mlx-lm's sampler arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlx_lm.sample_utils import make_logits_processors, make_sampler

from ..messages import Sampling


def default_sampling(config: dict) -> Sampling:
    """Sampling from the model's generation_config.json, with Qwen3-Coder's values as fallback."""
    return Sampling(
        temperature=float(config.get("temperature", 0.7)),
        top_p=float(config.get("top_p", 0.8)),
        top_k=int(config.get("top_k", 20)),
        repetition_penalty=float(config.get("repetition_penalty", 1.05)),
    )


def read_generation_config(model_dir: Path) -> dict:
    """The model's sampling defaults (mlx-lm reads only the eos ids from this file)."""
    try:
        return dict(json.loads((model_dir / "generation_config.json").read_text()))
    except (OSError, ValueError):
        return {}


def sampling_kwargs(sampling: Sampling) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "sampler": make_sampler(
            temp=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k
        )
    }
    if sampling.repetition_penalty != 1.0:
        kwargs["logits_processors"] = make_logits_processors(
            repetition_penalty=sampling.repetition_penalty
        )
    return kwargs
