"""Whether a model's weights fit in the memory free now, checked before loading: a model too large
is refused with both sizes, instead of the machine swapping or the worker being killed mid-load."""

from __future__ import annotations

import sys
from pathlib import Path


def weights_bytes(model_dir: Path) -> int:
    """The sum of the model's *.safetensors sizes (what loading reads into memory)."""
    return sum(path.stat().st_size for path in model_dir.glob("*.safetensors"))


def mem_available(meminfo: str) -> int | None:
    """Bytes of MemAvailable in the text of /proc/meminfo."""
    for line in meminfo.splitlines():
        name, _, value = line.partition(":")
        if name == "MemAvailable":
            number, _, unit = value.strip().partition(" ")
            return int(number) * (1024 if unit == "kB" else 1)
    return None


def free_memory() -> tuple[int, str] | None:
    """Bytes free for the weights now, and where that figure comes from; None when unknown."""
    if sys.platform.startswith("linux"):
        try:
            available = mem_available(Path("/proc/meminfo").read_text())
        except OSError:
            return None
        return (available, "available (MemAvailable)") if available is not None else None
    if sys.platform == "darwin":  # Metal: the most mlx recommends the GPU to use
        import mlx.core as mx

        limit = mx.device_info().get("max_recommended_working_set_size")
        return (int(limit), "usable by the GPU (mlx's recommended working set)") if limit else None
    return None


def too_large(model_dir: Path) -> str | None:
    """Why the model cannot be loaded here (weights larger than the free memory), or None."""
    free = free_memory()
    weights = weights_bytes(model_dir)
    if free is None or weights <= free[0]:
        return None
    return (
        f"its weights take {_gb(weights)} and only {_gb(free[0])} of memory is {free[1]}; "
        "close other programs or choose a smaller model (a smaller quantization)"
    )


def _gb(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


def kv_bytes_per_token(cache: list) -> float:
    """KV bytes one token costs across all layers, from a cache holding a few tokens."""
    per_token = 0.0
    for layer in cache:
        keys = getattr(layer, "keys", None)
        if keys is not None and getattr(keys, "ndim", 0) == 4 and keys.shape[2]:
            per_token += layer.nbytes / keys.shape[2]
    return per_token or 1.0
