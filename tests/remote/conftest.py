"""The servers the remote-backend tests run against, started once per module on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlx_to_gguf import convert
from model_servers import free_port, llama_server_argv, mlx_server_argv, serve
from models import trained_model_dir


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server") / "server.log"


@pytest.fixture(scope="module")
def mlx_server(server_log: Path):
    """mlx_lm.server with the trained test model; yields its base URL."""
    port = free_port()
    with serve(mlx_server_argv(trained_model_dir(), port), port, "/health", server_log) as url:
        yield url


LLAMA_KEY = "test-key-5f1c"  # the server wants it; qwen-lsp reads it from LLAMA_KEY_ENV
LLAMA_KEY_ENV = "QWEN_TEST_LLAMA_KEY"


@pytest.fixture(scope="module")
def llama_server(server_log: Path, tmp_path_factory):
    """llama.cpp's server with the trained test model converted to GGUF, asking for an API key;
    yields its base URL."""
    gguf = tmp_path_factory.mktemp("gguf") / "trained-model.gguf"
    convert(trained_model_dir(), gguf)
    port = free_port()
    with serve(llama_server_argv(gguf, port, LLAMA_KEY), port, "/health", server_log) as url:
        yield url
