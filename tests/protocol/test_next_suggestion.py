"""The next suggestion before it is asked for: Tab shows the following ghost text from cache."""

from __future__ import annotations

import pytest
import pytest_lsp
from models import trained_model_dir
from pytest_lsp import LanguageClient

from .corpus import corpus_uri, line_left_out
from .lsp_helpers import (
    SERVER,
    background_done,
    insert,
    open_document,
    start_session,
    stats,
    suggest,
    wait_for_worker,
)

pytestmark = [pytest.mark.protocol, pytest.mark.model]  # the trained model suggests real code

URI = corpus_uri("temperature.py")
SOURCE, ROW = line_left_out("temperature.py", "    return ")


@pytest_lsp.fixture(config=SERVER, params=[True, False], ids=["ahead", "off"])
async def client(lsp_client: LanguageClient, request):
    # A few tokens per suggestion: the line comes in parts, each Tab leaves the rest to suggest.
    completion = {"multiline": "never", "maxTokens": 3, "nextSuggestion": request.param}
    completion["enterPrewarm"] = False  # counts background work: no pre-warm for Enter
    options = {"model": str(trained_model_dir()), "completion": completion}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    lsp_client.ahead = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_tab_shows_the_next_suggestion_without_a_model_call(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await suggest(client, URI, ROW, 0)
    if client.ahead:  # type: ignore[attr-defined]
        computed = await background_done(client)
        assert computed["background"]["next_suggestions"] == 1, computed["background"]
    before = await stats(client)
    insert(client, URI, 2, ROW, 0, first)  # Tab: the ghost text goes in, the cursor after it
    second = await suggest(client, URI, ROW, len(first))
    after = await stats(client)
    assert second.strip() and not first.endswith(second)
    if client.ahead:  # type: ignore[attr-defined]
        assert after["cache_hits"] == before["cache_hits"] + 1
        assert after["model_calls"] == before["model_calls"]
        assert after["background"]["next_suggestion_hits"] == 1
    else:
        assert after["model_calls"] == before["model_calls"] + 1  # what the next one saves
