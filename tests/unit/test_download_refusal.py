"""A model that would have to be downloaded is refused with its size and how to allow it."""

from __future__ import annotations

from types import SimpleNamespace

import huggingface_hub
import pytest

from qwen_lsp.backend import WorkerSpec
from qwen_lsp.worker import model_files
from qwen_lsp.worker.main import host_options, parse_args

pytestmark = pytest.mark.unit


def test_the_refusal_gives_the_size_of_the_weights(monkeypatch):
    files = [
        SimpleNamespace(rfilename="model-00001-of-00002.safetensors", size=9_000_000_000),
        SimpleNamespace(rfilename="model-00002-of-00002.safetensors", size=8_200_000_000),
        SimpleNamespace(rfilename="config.json", size=2_000),
        SimpleNamespace(rfilename="modeling_custom.py", size=50_000_000_000),  # never fetched
    ]
    monkeypatch.setattr(
        huggingface_hub.HfApi, "model_info", lambda self, *a, **k: SimpleNamespace(siblings=files)
    )
    message = model_files.download_refused("mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit")
    assert "it is 17.2 GB of weights" in message
    assert "Set `worker.allowDownload` to true in your user settings" in message


def test_without_the_hub_the_refusal_still_says_how_to_allow(monkeypatch):
    def offline(self, *args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", offline)
    message = model_files.download_refused("org/model")
    assert "unknown size" in message and "`worker.allowDownload`" in message


@pytest.mark.parametrize("shared", [False, True])
def test_the_setting_reaches_the_worker_in_pipe_and_socket_mode(shared: bool):
    for allow in (False, True):
        spec = WorkerSpec(model="org/model", shared=shared, allow_download=allow)
        args = parse_args([*spec.argv()[3:], *(["--socket", "/tmp/s"] if shared else [])])
        assert host_options(args).allow_download is allow
