"""Typing through a suggestion is answered by the server's cache, not the model."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
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

URI = corpus_uri("temperature.py")
SOURCE, ROW = line_left_out("temperature.py", "    return ")


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    options = {"model": str(trained_model_dir()), "completion": {"multiline": "never"}}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_typed_characters_of_a_suggestion_need_no_model_call(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await client.text_document_inline_completion_async(inline_params(URI, ROW, 0))
    assert isinstance(first, types.InlineCompletionList)
    assert first.items and len(str(first.items[0].insert_text)) >= 2, first
    suggestion = str(first.items[0].insert_text)
    before = await stats(client)
    insert(client, URI, 2, ROW, 0, suggestion[0])
    second = await client.text_document_inline_completion_async(inline_params(URI, ROW, 1))
    after = await stats(client)
    assert isinstance(second, types.InlineCompletionList) and second.items
    assert second.items[0].insert_text == suggestion[1:]
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["model_calls"] == before["model_calls"]
