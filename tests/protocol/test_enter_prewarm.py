"""Enter after a rest at a line's end: the prompt after it was prefilled meanwhile (issue 14).

After Enter the finished line joins the FIM prefix and the whole suffix changes place: without
the pre-warm for Enter the keystroke reads the suffix again."""

from __future__ import annotations

import asyncio

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

URI = "file:///work/demo/shapes.py"
ABOVE = "".join(f"def helper_{i}(x):\n    return x * {i}\n\n" for i in range(10))
BELOW = "".join(f"def scale_{i}(x):\n    return x / {i + 1}\n\n" for i in range(40))
LINE = "    r = radius * 2"
SOURCE = f"import math\n\n{ABOVE}def area(radius):\n{LINE}\n\n{BELOW}"
ROW = SOURCE.count("\n", 0, SOURCE.index(LINE))
GOAL = 0.9  # of the Enter keystroke's prompt tokens reused from the KV cache


@pytest_lsp.fixture(config=SERVER, params=[True, False], ids=["enter-prewarm", "off"])
async def client(lsp_client: LanguageClient, tiny_model, request):
    completion = {"maxTokens": 2, "nextSuggestion": False, "enterPrewarm": request.param}
    await start_session(lsp_client, {"model": str(tiny_model), "completion": completion})
    await wait_for_worker(lsp_client)
    lsp_client.enter_prewarm = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def rest_at_the_line_end(client: LanguageClient) -> dict:
    """Open the file at the end of LINE, ask there, rest: stats once background work is done."""
    open_document(client, URI, SOURCE)
    focus(client, URI, ROW, len(LINE))
    await background_done(client, 1)  # the pre-warm of the file just focused
    await client.text_document_inline_completion_async(inline_params(URI, ROW, len(LINE)))
    if client.enter_prewarm:  # type: ignore[attr-defined]
        return await background_done(client, 2)
    await asyncio.sleep(1.0)
    return await stats(client)


async def reuse_of_the_next_request(client: LanguageClient, text: str, line: int, col: int):
    before = await stats(client)
    insert(client, URI, 2, ROW, len(LINE), text)
    await client.text_document_inline_completion_async(inline_params(URI, line, col))
    after = await stats(client)
    assert after["model_calls"] == before["model_calls"] + 1
    prompt = after["prompt_tokens"] - before["prompt_tokens"]
    return (after["reused_prompt_tokens"] - before["reused_prompt_tokens"]) / prompt


async def test_enter_after_a_rest_at_a_line_end_is_served_from_the_prewarmed_prompt(
    client: LanguageClient,
):
    rested = await rest_at_the_line_end(client)
    on = client.enter_prewarm  # type: ignore[attr-defined]
    assert rested["background"]["enter_prewarms"] == (1 if on else 0)
    reuse = await reuse_of_the_next_request(client, "\n    ", ROW + 1, 4)  # Enter, auto-indented
    print(f"Enter's prompt reused, enterPrewarm {on}: {reuse:.2%}")
    assert reuse >= GOAL if on else reuse < GOAL  # without it the suffix is read again
    assert (await stats(client))["warm_documents"] == 1  # the alternate is not another one


async def test_typing_on_after_the_rest_keeps_the_documents_own_cache(client: LanguageClient):
    await rest_at_the_line_end(client)
    typed = " + QZJ"  # not what the suggestion shown starts with: the model is asked
    reuse = await reuse_of_the_next_request(client, typed, ROW, len(LINE) + len(typed))
    assert reuse >= 0.98
