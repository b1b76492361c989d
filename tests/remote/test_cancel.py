"""A superseded completion on a remote backend closes its HTTP stream, and the server stops
generating. The servers here serve random-weight models: such a model never says it is done,
so a request runs to its token limit unless the cancellation reaches the server."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from model_servers import free_port, mlx_server_argv, serve
from pytest_lsp import LanguageClient

from ..protocol.lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = pytest.mark.remote

URI = "file:///work/demo/loop.py"
TEXT = "def area(r):\n    return \n"
MAX_TOKENS = 4000  # minutes of generation on these machines if nothing stops it
LONG = {"completion": {"maxTokens": MAX_TOKENS, "multiline": "always", "timeoutMs": 600_000}}


@pytest.fixture(scope="module")
def random_mlx_server(tiny_model: Path, tmp_path_factory):
    log = tmp_path_factory.mktemp("mlx") / "server.log"
    port = free_port()
    with serve(mlx_server_argv(tiny_model, port), port, "/health", log) as url:
        yield url, log


async def wait_for_log(log: Path, pattern: str, start: int = 0, timeout: float = 60) -> re.Match:
    deadline = time.monotonic() + timeout
    while (found := re.search(pattern, log.read_text()[start:])) is None:
        assert time.monotonic() < deadline, f"no {pattern!r} in the server log:\n{log.read_text()}"
        await asyncio.sleep(0.1)
    return found


@pytest_lsp.fixture(config=SERVER)
async def mlx_client(lsp_client: LanguageClient, random_mlx_server):
    url, _ = random_mlx_server
    await start_session(
        lsp_client, {"backend": "openai", "remote": {"url": url, "timeoutS": 600}, **LONG}
    )
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_superseded_completion_stops_mlx_lm_server(
    mlx_client: LanguageClient, random_mlx_server
):
    client, (_, log) = mlx_client, random_mlx_server
    start = len(log.read_text())
    open_document(client, URI, TEXT)
    first = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, 1, 11))
    )
    # Streaming has begun: the server answered 200 and is writing tokens.
    await wait_for_log(log, r'"POST /v1/completions HTTP/1.1" 200', start)
    insert(client, URI, 2, 1, 11, "r")
    second = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, 1, 12))
    )
    result = await asyncio.wait_for(first, 30)
    assert isinstance(result, types.InlineCompletionList) and not result.items
    # The server's next write to the closed stream fails, and its generation loop ends there.
    await wait_for_log(log, r"BrokenPipeError|ConnectionResetError", start, timeout=30)
    current = await stats(client)
    assert current["cancelled"] >= 1
    second.cancel()
