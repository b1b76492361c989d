"""The free-memory check before a model load: sizes read honestly, both in the refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qwen_lsp.worker import memory

pytestmark = pytest.mark.unit

MEMINFO = "MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\n"


def sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk."""
    path.touch()
    os.truncate(path, size)


def test_mem_available_is_read_in_bytes():
    assert memory.mem_available(MEMINFO) == 20_000_000 * 1024
    assert memory.mem_available("MemTotal: 1 kB\n") is None


def test_weights_are_the_sum_of_the_safetensors_sizes_sparse_or_not(tmp_path: Path):
    sparse(tmp_path / "model-00001-of-00002.safetensors", 3 << 30)
    (tmp_path / "model-00002-of-00002.safetensors").write_bytes(b"x" * 1000)
    (tmp_path / "tokenizer.json").write_bytes(b"x" * 5000)
    assert memory.weights_bytes(tmp_path) == (3 << 30) + 1000


def test_a_model_larger_than_the_free_memory_is_refused_with_both_sizes(tmp_path, monkeypatch):
    sparse(tmp_path / "model.safetensors", 18_000_000_000)
    monkeypatch.setattr(memory, "free_memory", lambda: (16_000_000_000, "available (test)"))
    assert memory.too_large(tmp_path) == (
        "its weights take 18.0 GB and only 16.0 GB of memory is available (test); close other "
        "programs or choose a smaller model (a smaller quantization)"
    )
    monkeypatch.setattr(memory, "free_memory", lambda: (19_000_000_000, "available (test)"))
    assert memory.too_large(tmp_path) is None
    monkeypatch.setattr(memory, "free_memory", lambda: None)  # unknown: no refusal
    assert memory.too_large(tmp_path) is None
