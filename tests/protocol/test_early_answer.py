"""`completion.answerWithinMs`: a keystroke is answered with the text so far, the model writes
on, and the whole suggestion is then served from the server's cache; the default does it too."""

from __future__ import annotations

import asyncio
import time

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    suggest,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/split.py"
SOURCE = "x = 1\ny = x + "  # where the random model writes text the post-processing keeps
ROW, COL = 1, 8
MAX_TOKENS = 64
SETTINGS = {"maxTokens": MAX_TOKENS, "multiline": "always", "maxLines": 1000}
# A slow generation: ~1,000 tokens of one line (the random model's text there), which no
# machine writes within the default's 100 ms without speculation drafting its repeats.
SLOW = {**SETTINGS, "maxTokens": 1024, "timeoutMs": 60000, "nextSuggestion": False}


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    completion = {**SETTINGS, "answerWithinMs": 1, "nextSuggestion": False}
    await start_session(lsp_client, {"model": str(tiny_model), "completion": completion})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def default_client(lsp_client: LanguageClient, tiny_model):
    """No `answerWithinMs` given: the server's default."""
    options = {"model": str(tiny_model), "completion": SLOW, "worker": {"speculation": "off"}}
    await start_session(lsp_client, options, whole=False)
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def continued(client: LanguageClient, count: int = 1, timeout: float = 60) -> dict:
    """Stats once `count` generations answered early have ended."""
    deadline = time.monotonic() + timeout
    while (current := await stats(client))["background"]["continuations"] < count:
        assert time.monotonic() < deadline, current
        await asyncio.sleep(0.05)
    return current


async def test_asking_again_shows_the_whole_suggestion_without_a_model_call(client):
    open_document(client, URI, SOURCE)
    early = await suggest(client, URI, ROW, COL)
    answered = await stats(client)
    assert answered["early_answers"] == 1 and answered["model_calls"] == 1, (early, answered)
    # Counted for the wait: the tokens before the answer, not the ones written after it.
    assert 0 < answered["generated_tokens"] < MAX_TOKENS
    after = await continued(client)
    whole = await suggest(client, URI, ROW, COL)
    again = await stats(client)
    assert whole.startswith(early) and len(whole) > len(early), (early, whole)
    assert (again["model_calls"], again["cache_hits"]) == (1, after["cache_hits"] + 1)
    assert after["background"]["continued_tokens"] > 0
    # Typing the early text through: the rest of the whole suggestion, from the cache.
    insert(client, URI, 2, ROW, COL, early)
    rest = await suggest(client, URI, ROW, COL + len(early))
    assert rest == whole[len(early) :]
    assert (await stats(client))["model_calls"] == 1


async def test_a_keystroke_the_cache_cannot_answer_stops_the_generation(default_client):
    client = default_client  # a generation long enough that the keystroke comes before its end
    open_document(client, URI, SOURCE)
    early = await suggest(client, URI, ROW, COL)
    before = (await stats(client))["generated_tokens"]
    insert(client, URI, 2, ROW, COL, "z" if early[0] != "z" else "y")  # not the suggestion
    await client.text_document_inline_completion_async(inline_params(URI, ROW, COL + 1))
    after = await continued(client)
    assert after["model_calls"] == 2
    # Stopped: it wrote fewer than its limit, and those count as superseded work.
    assert after["background"]["continued_tokens"] < SLOW["maxTokens"] - before
    assert after["cancelled_generated_tokens"] >= after["background"]["continued_tokens"]


async def test_by_default_a_slow_generation_is_answered_early_and_typed_through(default_client):
    client = default_client
    open_document(client, URI, SOURCE)
    early = await suggest(client, URI, ROW, COL)
    answered = await stats(client)
    assert answered["early_answers"] == 1 and answered["model_calls"] == 1, (early, answered)
    assert answered["generated_tokens"] < SLOW["maxTokens"]
    after = await continued(client, timeout=180)
    whole = await suggest(client, URI, ROW, COL)  # the whole suggestion, from the cache
    assert whole.startswith(early) and len(whole) > len(early), (early, whole)
    # Typing the early text through: the rest the model wrote after it, with no model call.
    insert(client, URI, 2, ROW, COL, early)
    rest = await suggest(client, URI, ROW, COL + len(early))
    assert rest == whole[len(early) :]
    now = await stats(client)
    assert (now["model_calls"], now["cache_hits"]) == (1, after["cache_hits"] + 2), now
