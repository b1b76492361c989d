"""The server's wait before the model (`completion.debounceMs`): cached answers skip it, a
keystroke or a cancel during it ends it with no model call, a request that needs the model
waits it out and is then served."""

from __future__ import annotations

import asyncio
import time

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .corpus import corpus_uri, line_left_out
from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = [pytest.mark.protocol, pytest.mark.model]  # the trained model suggests real code

DEBOUNCE_S = 3.0  # far longer than a cached answer or a cancel takes
URI = corpus_uri("temperature.py")
SOURCE, ROW = line_left_out("temperature.py", "    return ")


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    options = {
        "model": str(trained_model_dir()),
        "completion": {"multiline": "never", "debounceMs": int(DEBOUNCE_S * 1000)},
    }
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


def invoked(line: int, col: int) -> types.InlineCompletionParams:
    params = inline_params(URI, line, col)
    params.context.trigger_kind = types.InlineCompletionTriggerKind.Invoked
    return params


async def waiting(client: LanguageClient, requests: int) -> dict:
    """Stats once the server has read `requests` completion requests: the last one is then in
    its wait (a request is read, and waits, before the next message is)."""
    while (current := await stats(client))["requests"] < requests:
        await asyncio.sleep(0.02)
    return current


async def test_a_typed_through_suggestion_is_answered_without_the_wait(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await client.text_document_inline_completion_async(invoked(ROW, 0))  # asked: no wait
    assert first.items and len(str(first.items[0].insert_text)) >= 2, first
    suggestion = str(first.items[0].insert_text)
    before = await stats(client)
    insert(client, URI, 2, ROW, 0, suggestion[0])
    asked = time.monotonic()
    second = await client.text_document_inline_completion_async(inline_params(URI, ROW, 1))
    answered_s = time.monotonic() - asked
    after = await stats(client)
    assert second.items and second.items[0].insert_text == suggestion[1:]
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert (after["model_calls"], after["debounced"]) == (before["model_calls"], 0)
    assert answered_s < DEBOUNCE_S


async def test_a_request_cancelled_in_its_wait_never_reaches_the_model(client: LanguageClient):
    open_document(client, URI, SOURCE)
    future = client.protocol.send_request(
        types.TEXT_DOCUMENT_INLINE_COMPLETION, inline_params(URI, ROW, 0), msg_id="waiting-1"
    )
    await waiting(client, 1)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="waiting-1"))
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(future), DEBOUNCE_S / 2)
    assert raised.value.code == -32800
    await asyncio.sleep(DEBOUNCE_S)  # past the end of the wait it had
    after = await stats(client)
    assert after["debounced"] == 1
    assert (after["model_calls"], after["prompt_tokens"]) == (0, 0)  # the worker saw nothing


async def test_a_keystroke_in_the_wait_ends_it_with_no_model_call(client: LanguageClient):
    open_document(client, URI, SOURCE)
    pending = asyncio.ensure_future(
        client.text_document_inline_completion_async(inline_params(URI, ROW, 0))
    )
    await waiting(client, 1)
    insert(client, URI, 2, ROW, 0, "r")
    result = await asyncio.wait_for(pending, DEBOUNCE_S / 2)
    assert not result.items
    await asyncio.sleep(DEBOUNCE_S)
    after = await stats(client)
    assert after["debounced"] == 1
    assert (after["model_calls"], after["prompt_tokens"]) == (0, 0)


async def test_a_request_that_needs_the_model_waits_then_is_served(client: LanguageClient):
    open_document(client, URI, SOURCE)
    asked = time.monotonic()
    result = await client.text_document_inline_completion_async(inline_params(URI, ROW, 0))
    answered_s = time.monotonic() - asked
    after = await stats(client)
    assert result.items and str(result.items[0].insert_text).strip(), result
    assert answered_s >= DEBOUNCE_S
    assert (after["model_calls"], after["debounced"]) == (1, 0)
    # The wait is felt (reported latency) but is not the server's own work (overhead).
    assert after["latency_ms"]["p50"] >= DEBOUNCE_S * 1000
    assert after["server_overhead_ms"]["p50"] < DEBOUNCE_S * 1000 / 2
