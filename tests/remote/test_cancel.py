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
from model_servers import free_port, llama_server_argv, mlx_server_argv, random_qwen3_gguf, serve
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
        yield "openai", url, log


@pytest.fixture(scope="module")
def random_llama_server(tiny_model: Path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("llama")
    gguf = random_qwen3_gguf(tiny_model, folder / "random-qwen3.gguf")
    port = free_port()
    with serve(llama_server_argv(gguf, port), port, "/health", folder / "server.log") as url:
        yield "llamacpp", url, folder / "server.log"


async def wait_for_log(log: Path, pattern: str, start: int = 0, timeout: float = 60) -> re.Match:
    deadline = time.monotonic() + timeout
    while (found := re.search(pattern, log.read_text()[start:])) is None:
        assert time.monotonic() < deadline, f"no {pattern!r} in the server log:\n{log.read_text()}"
        await asyncio.sleep(0.1)
    return found


async def supersede_first(client: LanguageClient, log: Path, started: str, stopped: str) -> str:
    """Ask for a completion; once the server log shows it `started`, type a character and ask
    again. The first answer must come back empty and the log show the generation `stopped`."""
    start = len(log.read_text())
    open_document(client, URI, TEXT)
    first = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, 1, 11))
    )
    await wait_for_log(log, started, start)
    insert(client, URI, 2, 1, 11, "r")
    second = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, 1, 12))
    )
    result = await asyncio.wait_for(first, 30)
    assert isinstance(result, types.InlineCompletionList) and not result.items
    found = await wait_for_log(log, stopped, start, timeout=30)
    assert (await stats(client))["cancelled"] >= 1
    second.cancel()
    return found.group(0)


async def session(client: LanguageClient, kind: str, url: str) -> None:
    await start_session(client, {"backend": kind, "remote": {"url": url, "timeoutS": 600}, **LONG})
    await wait_for_worker(client)


@pytest_lsp.fixture(config=SERVER)
async def mlx_client(lsp_client: LanguageClient, random_mlx_server):
    await session(lsp_client, *random_mlx_server[:2])
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def llama_client(lsp_client: LanguageClient, random_llama_server):
    await session(lsp_client, *random_llama_server[:2])
    yield
    await lsp_client.shutdown_session()


async def test_superseded_completion_stops_mlx_lm_server(mlx_client, random_mlx_server):
    # Streaming began (200 sent); the next write to the closed stream fails and its
    # generation loop ends there.
    log = random_mlx_server[2]
    started = r'"POST /v1/completions HTTP/1.1" 200'
    await supersede_first(mlx_client, log, started, r"BrokenPipeError|ConnectionResetError")


async def test_superseded_completion_stops_llama_server(llama_client, random_llama_server):
    # llama-server cancels the task when the connection drops and releases its slot: the
    # tokens in the slot then are the prompt plus what was generated before the cancel.
    log = random_llama_server[2]
    stopped = await supersede_first(
        llama_client, log, r"processing task", r"stop processing: n_tokens = (\d+)"
    )
    assert "cancel task" in log.read_text()
    n_tokens = int(re.search(r"\d+", stopped).group(0))  # type: ignore[union-attr]
    assert n_tokens < MAX_TOKENS / 2, stopped
