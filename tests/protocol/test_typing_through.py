"""Typing through a suggestion is answered by the server's cache, not the model."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/typing.py"
SOURCE = "def scale(values, factor):\n    result = \n"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    options = {"model": str(tiny_model), "completion": {"multiline": "never"}}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_typed_characters_of_a_suggestion_need_no_model_call(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await client.text_document_inline_completion_async(inline_params(URI, 1, 13))
    assert isinstance(first, types.InlineCompletionList)
    if not first.items or len(str(first.items[0].insert_text)) < 2:
        pytest.skip("the random-weight model suggested too little to type through")
    suggestion = str(first.items[0].insert_text)
    before = await stats(client)
    insert(client, URI, 2, 1, 13, suggestion[0])
    second = await client.text_document_inline_completion_async(inline_params(URI, 1, 14))
    after = await stats(client)
    assert isinstance(second, types.InlineCompletionList) and second.items
    assert second.items[0].insert_text == suggestion[1:]
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["model_calls"] == before["model_calls"]
