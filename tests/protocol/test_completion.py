"""Inline completions through the real server, the real worker and the random-weight test model."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    reuse_after_one_keystroke,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/geometry.py"
SOURCE = "import math\n\n\ndef circle_area(radius):\n    return \n\n\nprint(circle_area(2))\n"
NEWER_MAX_TOKENS = 8
LONG_GENERATION = {"completion": {"maxTokens": 3000, "multiline": "always", "maxLines": 10000}}


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    result = await start_session(lsp_client, {"model": str(tiny_model)})
    lsp_client.initialize_result = result  # type: ignore[attr-defined]
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_inline_completion_capability_is_advertised(client: LanguageClient):
    capabilities = client.initialize_result.capabilities  # type: ignore[attr-defined]
    assert capabilities.inline_completion_provider is not None
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf16


async def test_model_load_reports_work_done_progress(client: LanguageClient):
    reports = [r for token, rs in client.progress_reports.items() for r in rs]
    kinds = [type(r).__name__ for r in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert any(isinstance(r, types.WorkDoneProgressReport) and r.percentage for r in reports)


async def test_one_more_typed_character_reuses_the_kv_cache(client: LanguageClient):
    prompt, reused = await reuse_after_one_keystroke(client, URI, SOURCE, 4, 11, "m")
    assert prompt > 0 and reused / prompt >= 0.95
    # One live KV cache for the document, not one per call.
    assert (await stats(client))["warm_documents"] == 1


def generate_long(client: LanguageClient) -> None:
    """Ask for very long suggestions so a generation is still running when the test acts."""
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"qwen": LONG_GENERATION})
    )


def send(request):
    """pytest-lsp sends a request only when awaited: start it now."""
    return asyncio.ensure_future(request)


async def test_cancel_request_answers_32800_and_stops_the_worker(client: LanguageClient):
    generate_long(client)
    open_document(client, URI, SOURCE)
    future = client.protocol.send_request(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(URI, 4, 11), msg_id="slow-1"
    )
    await asyncio.sleep(0.3)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="slow-1"))
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(future), 10)
    assert raised.value.code == -32800
    for _ in range(50):  # the worker confirms it stopped generating
        current = await stats(client)
        if current["cancelled"]:
            break
        await asyncio.sleep(0.1)
    assert current["cancelled"] == 1
    assert current["generated_tokens"] < 3000


async def test_newer_request_for_the_same_document_supersedes_the_older(client: LanguageClient):
    generate_long(client)
    open_document(client, URI, SOURCE)
    older = send(client.text_document_inline_completion_async(inline_params(URI, 4, 11)))
    await asyncio.sleep(0.2)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"qwen": {"completion": {"maxTokens": NEWER_MAX_TOKENS}}}
        )
    )
    newer = send(client.text_document_inline_completion_async(inline_params(URI, 4, 11)))
    older_result, _ = await asyncio.gather(older, newer)
    assert len(older_result.items) == 0
    current = await stats(client)
    # The worker confirms it stopped the older generation: one cancel, fewer tokens than asked.
    assert current["cancelled"] == 1 and current["model_calls"] == 2
    assert current["generated_tokens"] < 3000 + NEWER_MAX_TOKENS


async def test_answer_for_an_older_document_version_is_dropped(client: LanguageClient):
    generate_long(client)
    open_document(client, URI, SOURCE)
    pending = send(client.text_document_inline_completion_async(inline_params(URI, 4, 11)))
    await asyncio.sleep(0.2)
    insert(client, URI, 2, 0, 0, "# edited while the model was writing\n")
    result = await pending
    assert len(result.items) == 0
    assert (await stats(client))["stale"] == 1


async def test_worker_crash_fails_pending_at_once_tells_once_and_restarts(client: LanguageClient):
    generate_long(client)
    open_document(client, URI, SOURCE)
    before = await stats(client)
    pending = send(client.text_document_inline_completion_async(inline_params(URI, 4, 11)))
    await asyncio.sleep(0.2)
    os.kill(before["worker"]["pid"], signal.SIGKILL)
    result = await asyncio.wait_for(pending, 30)
    assert len(result.items) == 0
    # Answered without waiting for the reload; the worker comes back without being asked.
    assert (await stats(client))["worker"]["state"] != "ready"
    after = await wait_for_worker(client)
    assert after["worker"]["pid"] not in (None, before["worker"]["pid"])
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert warnings == [
        "qwen-lsp: the model worker exited (killed by SIGKILL: out of memory?); "
        "loading the model again."
    ]
    await client.text_document_inline_completion_async(inline_params(URI, 4, 11))
    served = await stats(client)
    assert served["generated_tokens"] > after["generated_tokens"]  # served by the new worker


@pytest_lsp.fixture(config=SERVER)
async def client_with_missing_model(lsp_client: LanguageClient, tmp_path):
    missing = tmp_path / "no-such-model"
    await start_session(lsp_client, {"model": str(missing)})
    lsp_client.missing_model = str(missing)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_missing_model_is_reported_and_the_server_stays_up(
    client_with_missing_model: LanguageClient,
):
    client = client_with_missing_model
    await wait_for_worker(client, state="failed")
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    assert errors and client.missing_model in errors[0]  # type: ignore[attr-defined]
    assert "QWEN_LSP_MODEL" in errors[0]
    open_document(client, URI, SOURCE)
    result = await client.text_document_inline_completion_async(inline_params(URI, 4, 11))
    assert len(result.items) == 0


@pytest_lsp.fixture(config=SERVER)
async def neovim_client(lsp_client: LanguageClient, tiny_model):
    result = await start_session(lsp_client, {"model": str(tiny_model)}, "neovim@v0.11.0")
    lsp_client.initialize_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_utf8_is_chosen_when_the_client_prefers_it(neovim_client: LanguageClient):
    capabilities = neovim_client.initialize_result.capabilities  # type: ignore[attr-defined]
    assert capabilities.position_encoding == types.PositionEncodingKind.Utf8
    assert capabilities.inline_completion_provider is not None
