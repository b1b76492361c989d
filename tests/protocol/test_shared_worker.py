"""Two real language servers share one model worker (`worker.shared`), as two editor windows do."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from workers import shared_worker_pids, stop_shared_workers

from .lsp_helpers import SERVER, inline_params, open_document, start_session, stats, wait_for_worker

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/geometry.py"
OTHER_URI = "file:///work/demo/other.py"
SOURCE = "import math\n\n\ndef circle_area(radius):\n    return \n"


async def editor_window(runtime: Path, tiny_model: Path, state: str = "ready") -> LanguageClient:
    """A language server as an editor window starts it, set to use the shared worker."""
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime))
    config = ClientServerConfig(server_command=SERVER.server_command, server_env=env)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    await start_session(client, {"model": str(tiny_model), "worker": {"shared": True}})
    await wait_for_worker(client, state)
    return client


async def complete(client: LanguageClient, uri: str = URI) -> dict:
    result = await client.text_document_inline_completion_async(inline_params(uri, 4, 11))
    assert isinstance(result, types.InlineCompletionList)
    return await stats(client)


@pytest.fixture
async def windows(tmp_path: Path, tiny_model: Path):
    clients = await asyncio.gather(*(editor_window(tmp_path, tiny_model) for _ in range(2)))
    yield clients
    for client in clients:
        if client._server is not None and client._server.returncode is None:
            await client.shutdown_session()
    stop_shared_workers(tmp_path)


async def test_two_servers_share_one_worker_and_survive_each_other(windows, tmp_path: Path):
    first, second = windows
    for client in windows:
        open_document(client, URI, SOURCE)
    one, two = await asyncio.gather(complete(first), complete(second))
    # One worker process (one model load) serves both, and each server's own calls are counted.
    assert one["worker"]["pid"] == two["worker"]["pid"]
    assert shared_worker_pids(tmp_path) == [one["worker"]["pid"]]
    assert one["model_calls"] == two["model_calls"] == 1 and one["worker"]["shared"]

    assert first._server is not None  # the window's server crashes
    first._server.kill()
    await first._server.wait()

    open_document(second, OTHER_URI, SOURCE.replace("radius", "r"))  # not served from a cache
    after = await complete(second, OTHER_URI)
    assert after["model_calls"] == 2 and after["worker"]["state"] == "ready"
    assert after["worker"]["pid"] == one["worker"]["pid"]
    assert shared_worker_pids(tmp_path) == [one["worker"]["pid"]]


async def test_a_runtime_directory_others_can_enter_is_refused(tmp_path: Path, tiny_model: Path):
    (tmp_path / "qwen-lsp").mkdir()
    (tmp_path / "qwen-lsp").chmod(0o755)
    client = await editor_window(tmp_path, tiny_model, state="failed")
    try:
        worker = (await stats(client))["worker"]
        assert "mode 0755, which lets other users in" in worker["error"]
        assert shared_worker_pids(tmp_path) == []
    finally:
        await client.shutdown_session()
