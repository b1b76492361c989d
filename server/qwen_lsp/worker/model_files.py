"""Where a model's weights come from: a local directory, the local Hugging Face cache, or a
download the user allowed (weights and configuration only: never a model's own code)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")


class ModelLoadError(Exception):
    pass


WEIGHT_PATTERNS = ["*.json", "*.safetensors", "tokenizer.model", "*.tiktoken", "*.txt"]  # no code


def resolve_model_dir(
    model: str, progress: Callable[[str, int | None], None], allow_download: bool = False
) -> str:
    """A local directory as is; a repo id from the local Hugging Face cache, else downloaded
    when the user allowed it."""
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path)
    if path.exists() or not REPO_ID.fullmatch(model):
        raise ModelLoadError(
            f"model directory '{model}' does not exist; set `model` (or $QWEN_LSP_MODEL) to a "
            "local MLX model directory or a Hugging Face repo id such as "
            "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"
        )
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(model, allow_patterns=WEIGHT_PATTERNS, local_files_only=True)
    except Exception:
        if not allow_download:
            raise ModelLoadError(download_refused(model)) from None
        progress(f"Downloading {model} from Hugging Face …", None)
    try:
        return snapshot_download(model, allow_patterns=WEIGHT_PATTERNS)
    except Exception as exc:
        raise ModelLoadError(
            f"could not download '{model}' ({exc.__class__.__name__}: {exc}); check the repo "
            "id and the network, or point `model` at a local directory"
        ) from exc


def download_refused(model: str) -> str:
    size = download_size(model)
    what = f"{size / 1e9:.1f} GB of weights" if size else "of unknown size (no answer from the Hub)"
    return (
        f"'{model}' is not in the local Hugging Face cache, and downloading is off: it is {what}. "
        "Set `worker.allowDownload` to true in your user settings to download it once, or "
        f"download it yourself (`hf download {model}`), or point `model` at a local directory"
    )


def download_size(model: str) -> int | None:
    """Bytes the download would take, from the Hub's metadata (None when it cannot be asked)."""
    from fnmatch import fnmatch

    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(model, files_metadata=True, timeout=5)
    except Exception:
        return None
    files = info.siblings or []
    return sum(f.size or 0 for f in files if any(fnmatch(f.rfilename, p) for p in WEIGHT_PATTERNS))


def materialize(model: Any, progress: Callable[[str, int | None], None]) -> None:
    """Evaluate the lazily loaded weights in slices so loading can report a percentage."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    params: list[Any] = [pair[1] for pair in tree_flatten(model.parameters())]
    total = sum(p.nbytes for p in params) or 1
    done, batch, batch_bytes = 0, [], 0
    for p in params:
        batch.append(p)
        batch_bytes += p.nbytes
        if batch_bytes >= total // 20:
            mx.eval(batch)
            done += batch_bytes
            batch, batch_bytes = [], 0
            progress("Loading weights", 5 + int(90 * done / total))
    mx.eval(batch)
