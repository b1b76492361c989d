"""What a model directory or repo id may make the worker do: never run its code, never download
unless the user allowed it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from qwen_lsp.backend import BackendState, PipeBackend, WorkerSpec
from qwen_lsp.errors import ModelUnavailable

from .worker_events import Recorder

pytestmark = pytest.mark.worker

MARKER_CODE = "import pathlib\npathlib.Path({marker!r}).write_text('ran')\n"


def model_with_code(tiny_model: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The test model plus Python files its configs point at; running one leaves a marker."""
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    marker = tmp_path / "code-ran"
    for name in ("custom_model.py", "custom_tokenizer.py"):
        (model / name).write_text(MARKER_CODE.format(marker=str(marker)))
    config = json.loads((model / "config.json").read_text())
    config["model_file"] = "custom_model.py"
    config["auto_map"] = {"AutoModelForCausalLM": "custom_model.Model"}
    (model / "config.json").write_text(json.dumps(config))
    tokenizer = json.loads((model / "tokenizer_config.json").read_text())
    tokenizer["auto_map"] = {"AutoTokenizer": ["custom_tokenizer.Tokenizer", None]}
    (model / "tokenizer_config.json").write_text(json.dumps(tokenizer))
    return model, marker


async def test_a_models_own_python_code_is_never_run(tiny_model, tmp_path):
    model, marker = model_with_code(tiny_model, tmp_path)
    backend = PipeBackend(WorkerSpec(model=str(model)), Recorder())
    with pytest.raises(ModelUnavailable, match="trust_remote_code"):
        await asyncio.wait_for(backend.start(), 60)
    assert backend.state is BackendState.FAILED
    assert not marker.exists()
    await backend.stop()


async def test_a_repo_id_not_in_the_cache_is_not_downloaded_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty Hugging Face cache
    backend = PipeBackend(WorkerSpec(model="example-org/not-cached-model"), Recorder())
    with pytest.raises(ModelUnavailable) as raised:
        await asyncio.wait_for(backend.start(), 60)
    message = str(raised.value)
    assert "downloading is off" in message and "`worker.allowDownload`" in message
    assert "example-org/not-cached-model" in message
    assert not list((tmp_path / "hf").rglob("*.safetensors"))
    await backend.stop()


HUGE = 1 << 40  # 1 TiB: more than any test machine's memory


def model_too_large(tiny_model: Path, tmp_path: Path) -> Path:
    """The test model with its weights file grown, sparse, to 1 TiB (no disk used)."""
    model = tmp_path / "huge-model"
    shutil.copytree(tiny_model, model)
    os.truncate(model / "model.safetensors", HUGE)
    return model


async def test_a_model_larger_than_the_free_memory_is_refused_before_loading(tiny_model, tmp_path):
    model = model_too_large(tiny_model, tmp_path)
    events = Recorder()
    backend = PipeBackend(WorkerSpec(model=str(model)), events)
    with pytest.raises(ModelUnavailable) as raised:
        await asyncio.wait_for(backend.start(), 60)
    message = str(raised.value)
    assert f"its weights take {HUGE / 1e9:.1f} GB and only " in message
    assert re.search(r"only \d+\.\d GB of memory is available \(MemAvailable\)", message), message
    assert backend.state is BackendState.FAILED and backend.retry_at is None  # not retried
    assert [p.message for p in events.progress] == [f"Resolving {model}"]  # nothing was read
    await backend.stop()
