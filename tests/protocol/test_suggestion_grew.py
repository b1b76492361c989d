"""`qwen/suggestionGrew`: a client that declares `experimental.qwenSuggestionGrew` is told when
the whole suggestion after an early answer is ready and nothing was typed since, so it can ask
again and show it (from the server's cache: no model call)."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    insert,
    open_document,
    start_session,
    stats,
    suggest,
    wait_for_worker,
)
from .test_early_answer import COL, ROW, SLOW, SOURCE, URI, continued

pytestmark = pytest.mark.protocol

GREW = "qwen/suggestionGrew"
# A generation that goes on long after its early answer (1 ms: the first text that shows).
COMPLETION = {**SLOW, "answerWithinMs": 1}
OPTIONS = {"completion": COMPLETION, "worker": {"speculation": "off"}}


def listen(client: LanguageClient) -> list[Any]:
    """Every `qwen/suggestionGrew` the server sends, as it comes."""
    heard: list[Any] = []

    def grew(params: Any) -> None:
        heard.append(params)

    client.feature(GREW)(grew)
    return heard


async def begin(client: LanguageClient, tiny_model, experimental: dict | None) -> list[Any]:
    heard = listen(client)
    options = {"model": str(tiny_model), **OPTIONS}
    await start_session(client, options, experimental=experimental)
    await wait_for_worker(client)
    return heard


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    lsp_client.heard = await begin(lsp_client, tiny_model, {"qwenSuggestionGrew": True})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def plain_client(lsp_client: LanguageClient, tiny_model):
    """A client that does not declare the capability."""
    lsp_client.heard = await begin(lsp_client, tiny_model, None)
    yield
    await lsp_client.shutdown_session()


def plain(params: Any) -> dict:
    """The notification's params as plain data (pygls reads an unknown method's as objects)."""
    if isinstance(params, dict):
        return {k: plain(v) for k, v in params.items()}
    if hasattr(params, "_asdict"):
        return {k: plain(v) for k, v in params._asdict().items()}
    return params


async def test_the_client_is_told_and_asking_again_shows_the_whole_suggestion(client):
    open_document(client, URI, SOURCE)
    early = await suggest(client, URI, ROW, COL)
    assert (await stats(client))["early_answers"] == 1
    after = await continued(client, timeout=180)
    assert after["suggestions_grew"] == 1 and len(client.heard) == 1, after
    position = {"line": ROW, "character": COL}
    told = {"textDocument": {"uri": URI, "version": 1}, "position": position}
    assert plain(client.heard[0]) == told
    whole = await suggest(client, URI, ROW, COL)
    assert whole.startswith(early) and len(whole) > len(early), (early, whole)
    now = await stats(client)
    assert (now["model_calls"], now["cache_hits"]) == (1, after["cache_hits"] + 1), now


async def test_no_notification_once_a_keystroke_moved_on(client):
    open_document(client, URI, SOURCE)
    early = await suggest(client, URI, ROW, COL)
    insert(client, URI, 2, ROW, COL, early[0])  # typing it through: the generation goes on
    after = await continued(client, timeout=180)
    assert after["background"]["continued_tokens"] > 0
    assert after["cancelled_generated_tokens"] == 0, after  # it ended, not stopped
    assert (after["suggestions_grew"], client.heard) == (0, []), after


async def test_a_client_without_the_capability_is_not_told(plain_client):
    client = plain_client
    open_document(client, URI, SOURCE)
    await suggest(client, URI, ROW, COL)
    after = await continued(client, timeout=180)
    assert after["early_answers"] == 1 and after["background"]["continued_tokens"] > 0
    assert (after["suggestions_grew"], client.heard) == (0, []), after
