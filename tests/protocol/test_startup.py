"""Start-up and model-load faults: the right model starts once; a crashing load is not a loop."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import time
from collections.abc import Callable

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from qwen_lsp.settings import DEFAULT_MODEL

from .lsp_helpers import (
    SERVER,
    capabilities,
    inline_params,
    open_document,
    stats,
    wait_for_worker,
)
from .raw_client import RawClient

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/geometry.py"
SOURCE = "import math\n\n\ndef circle_area(radius):\n    return \n"
CONFIG_DELAY_S = 1.5


async def initialize(client: LanguageClient, options: dict) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            initialization_options=options,
            root_uri="file:///work/demo",
        )
    )


@pytest_lsp.fixture(config=SERVER)
async def slow_config_client(lsp_client: LanguageClient, tiny_model):
    """A client whose `workspace/configuration` answer takes a while (as VS Code's may)."""

    async def slow_configuration(params: types.ConfigurationParams) -> list:
        await asyncio.sleep(CONFIG_DELAY_S)
        return [{} for _ in params.items]

    lsp_client.protocol.fm._features[types.WORKSPACE_CONFIGURATION] = slow_configuration
    lsp_client.model = str(tiny_model)  # type: ignore[attr-defined]
    await initialize(lsp_client, {"model": str(tiny_model)})
    yield
    await lsp_client.shutdown_session()


async def test_a_completion_before_the_settings_are_final_uses_the_users_model(
    slow_config_client: LanguageClient,
):
    client = slow_config_client
    open_document(client, URI, SOURCE)  # at once, while the configuration pull is pending
    await asyncio.wait_for(
        client.text_document_inline_completion_async(inline_params(URI, 4, 11)), 30
    )
    current = await stats(client)
    assert current["worker"] == {
        "state": "ready",
        "backend": "local",
        "host": "localhost",
        "model": client.model,  # type: ignore[attr-defined]
        "pid": current["worker"]["pid"],
        "shared": False,
        "error": "",
    }
    assert current["model_calls"] == 1 and current["generated_tokens"] > 0  # served, not empty
    said = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    assert not [text for text in said if DEFAULT_MODEL in text]
    loads = [token for token in client.progress_reports if token.startswith("qwen-load")]
    assert len(loads) == 1  # the worker started once


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    await initialize(lsp_client, {"model": str(tiny_model)})
    yield
    await lsp_client.shutdown_session()


async def kill_while_loading(client: LanguageClient) -> int:
    """SIGKILL the worker before it has loaded the model (an out-of-memory kill looks so)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        worker = (await stats(client))["worker"]
        if worker["state"] == "loading" and worker["pid"]:
            os.kill(worker["pid"], signal.SIGKILL)
            return worker["pid"]
        await asyncio.sleep(0.01)
    raise AssertionError("the worker was never seen loading")


async def test_a_worker_killed_while_loading_backs_off_tells_once_then_recovers(
    client: LanguageClient,
):
    killed = await kill_while_loading(client)
    failed = await wait_for_worker(client, "failed", timeout=10)
    assert "while loading" in failed["worker"]["error"]
    assert "SIGKILL" in failed["worker"]["error"]
    open_document(client, URI, SOURCE)
    result = await client.text_document_inline_completion_async(inline_params(URI, 4, 11))
    assert not result.items  # answered during the back-off: no worker, no reload
    assert (await stats(client))["worker"]["pid"] is None
    # After the back-off a fresh worker loads on its own and the next completion is served
    # (how long that takes: scripts/bench_faults.py).
    while (await stats(client))["generated_tokens"] == 0:
        await client.text_document_inline_completion_async(inline_params(URI, 4, 11))
        await asyncio.sleep(0.05)
    after = await stats(client)
    assert after["worker"]["state"] == "ready" and after["worker"]["pid"] != killed
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "while loading" in errors[0]


async def test_a_load_that_keeps_crashing_is_retried_less_often(client: LanguageClient):
    await kill_while_loading(client)
    await wait_for_worker(client, "failed", timeout=10)
    await asyncio.sleep(1.1)  # the first back-off
    open_document(client, URI, SOURCE)
    pending = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, 4, 11))
    )
    await kill_while_loading(client)
    assert not (await pending).items
    second = await wait_for_worker(client, "failed", timeout=10)
    assert "retrying in 4 s" in second["worker"]["error"]
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1  # told once, not once per crash


def broken_copy(tiny_model, tmp_path, weights_size: Callable[[int], int]):
    """The test model with its weights file resized (cut: corrupt; grown sparse: huge)."""
    model = tmp_path / "broken-model"
    shutil.copytree(tiny_model, model)
    weights = model / "model.safetensors"
    os.truncate(weights, weights_size(weights.stat().st_size))
    return model


@pytest_lsp.fixture(config=SERVER, params=["huge", "corrupt"])
async def broken_model_client(lsp_client: LanguageClient, tiny_model, tmp_path, request):
    size = {"huge": lambda n: 1 << 40, "corrupt": lambda n: n // 2}[request.param]
    await initialize(lsp_client, {"model": str(broken_copy(tiny_model, tmp_path, size))})
    lsp_client.expected = {  # type: ignore[attr-defined]
        "huge": r"its weights take 1099\.5 GB and only \d+\.\d GB of memory is available "
        r"\(MemAvailable\)",
        "corrupt": r"is not a loadable MLX model",
    }[request.param]
    yield
    await lsp_client.shutdown_session()


async def test_a_model_that_cannot_load_is_told_once_and_requests_answered_at_once(
    broken_model_client: LanguageClient,
):
    """Weights cut in half (corrupt), or larger than the free memory (refused before loading,
    both sizes in the message): failed, told once, every request answered empty, no reload."""
    client = broken_model_client
    failed = await wait_for_worker(client, "failed", timeout=60)
    assert re.search(client.expected, failed["worker"]["error"]), failed  # type: ignore[attr-defined]
    open_document(client, URI, SOURCE)
    for _ in range(3):
        result = await client.text_document_inline_completion_async(inline_params(URI, 4, 11))
        assert not result.items
    assert (await stats(client))["worker"]["state"] == "failed"
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and re.search(client.expected, errors[0]), errors  # type: ignore[attr-defined]
    assert sum(1 for t in client.progress_reports if t.startswith("qwen-load")) == 1


def test_a_client_that_exits_without_waiting_ends_the_server(tiny_model):
    # shutdown and exit sent at once while the worker is starting: the server must not hang on
    # the worker's start (nor on writing answers to an output `exit` closed).
    client = RawClient({"model": str(tiny_model)})
    try:
        client.start("shutdown", None)
        client.notify("exit", None)
        assert client.proc.stdin is not None
        client.proc.stdin.close()
        assert client.proc.wait(timeout=30) == 0  # TimeoutExpired: still running
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
