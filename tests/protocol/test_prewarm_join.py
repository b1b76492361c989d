"""Typing that starts while the pre-warm is still prefilling: the keystrokes join its work; and
a pre-warm is not cut short by the time box of suggestions (nobody waits for it)."""

from __future__ import annotations

import asyncio
import time

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    background_done,
    focus,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/tables.py"
# Long enough that the tiny model's background prefill of a 4k-token prompt takes a while.
FILLER = "".join(
    f"def table_{i}(rows):\n    return [r * {i} for r in rows]\n\n" for i in range(240)
)
SOURCE = f"import math\n\n{FILLER}def total(rows):\n    \n\n\nprint(total([1]))\n"
ROW = SOURCE.count("\n", 0, SOURCE.index("    \n\n\nprint"))
TYPED = "s = sum(rows)"
GOAL = 0.98  # share of the keystrokes' prompt tokens served from the KV cache


async def session(client: LanguageClient, model, timeout_ms: int = 5000):
    completion = {"maxTokens": 2, "nextSuggestion": False, "timeoutMs": timeout_ms}
    completion["enterPrewarm"] = False  # counts background work: no pre-warm for Enter
    context = {"maxPromptTokens": 4096}
    await start_session(client, {"model": str(model), "completion": completion, "context": context})
    await wait_for_worker(client)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    await session(lsp_client, tiny_model)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def boxed_client(lsp_client: LanguageClient, tiny_model):
    """Suggestions cut short 1 ms after they are asked for."""
    await session(lsp_client, tiny_model, timeout_ms=1)
    yield
    await lsp_client.shutdown_session()


async def prewarm_sent(client: LanguageClient, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while (current := await stats(client))["background"]["prewarms"] < 1:
        assert time.monotonic() < deadline, current["background"]
        await asyncio.sleep(0.01)
    return current


async def test_keystrokes_during_the_prewarm_reuse_what_it_prefills(client: LanguageClient):
    open_document(client, URI, SOURCE)
    focus(client, URI, ROW, 4)
    await prewarm_sent(client)  # the worker has started it: typing begins at once
    col = 4
    for version, char in enumerate(TYPED, start=2):
        insert(client, URI, version, ROW, col, char)
        col += 1
        await client.text_document_inline_completion_async(inline_params(URI, ROW, col))
    after = await stats(client)
    assert after["background"]["model_calls"] == 1  # the pre-warm ran to its end, once
    reuse = after["reused_prompt_tokens"] / after["prompt_tokens"]
    print(f"reuse over {len(TYPED)} keystrokes typed during the pre-warm: {reuse:.2%}")
    assert after["model_calls"] >= len(TYPED) - 4
    assert reuse >= GOAL


async def test_the_prewarm_runs_to_its_end_whatever_the_suggestions_time_box(boxed_client):
    client = boxed_client
    open_document(client, URI, SOURCE)
    focus(client, URI, ROW, 4)
    warmed = await background_done(client, 1)
    insert(client, URI, 2, ROW, 4, "s")
    await client.text_document_inline_completion_async(inline_params(URI, ROW, 5))
    after = await stats(client)
    assert warmed["background"]["prewarms"] == 1
    reuse = after["reused_prompt_tokens"] / after["prompt_tokens"]
    assert after["prompt_tokens"] > 2000 and reuse >= 0.99, (after["prompt_tokens"], reuse)
