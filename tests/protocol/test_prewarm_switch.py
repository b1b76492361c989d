"""Switching back to a file: its repository section is kept, so its warm KV cache still matches."""

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
from .test_prewarm import ROW, SOURCE

pytestmark = pytest.mark.protocol

EDITED, OTHER = "file:///work/demo/geometry.py", "file:///work/demo/shapes.py"
OTHER_TEXT = "".join(f"def shape_{i}(x):\n    return x + {i}\n\n" for i in range(20))
BACK = ROW - 20  # back in the edited file, 20 lines above where it was typed in: not near
TYPED = "r = radius**"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    completion = {"maxTokens": 2, "prewarm": True, "nextSuggestion": False, "enterPrewarm": False}
    await start_session(lsp_client, {"model": str(tiny_model), "completion": completion})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def type_at(client: LanguageClient, uri: str, version: int, line: int, text: str) -> None:
    for col, char in enumerate(text):
        insert(client, uri, version + col, line, col, char)
        await client.text_document_inline_completion_async(inline_params(uri, line, col + 1))


def tokens(now: dict, before: dict) -> tuple[int, int]:
    """(prompt, reused) tokens since `before`, keystrokes and background work together."""
    both = [(now, before), (now["background"], before["background"])]
    prompt = sum(a["prompt_tokens"] - b["prompt_tokens"] for a, b in both)
    return prompt, sum(a["reused_prompt_tokens"] - b["reused_prompt_tokens"] for a, b in both)


async def test_typing_after_a_switch_back_reuses_the_prompt(client: LanguageClient):
    open_document(client, OTHER, OTHER_TEXT)
    open_document(client, EDITED, SOURCE)
    focus(client, EDITED, ROW, 0)
    await background_done(client, 2)
    await type_at(client, EDITED, 2, ROW, "x = 1")
    # The user works in the other file: its head changes and a chunk of it is noted.
    focus(client, OTHER, 0, 0)
    await type_at(client, OTHER, 2, 0, "import os\n")
    await type_at(client, OTHER, 20, 40, "y = 2")
    await asyncio.sleep(0.5)
    before = await stats(client)
    focus(client, EDITED, BACK, 0)  # back, at another place of the file
    await background_done(client, before["background"]["model_calls"] + 1)
    await type_at(client, EDITED, 10, BACK, TYPED)
    prompt, reused = tokens(await stats(client), before)
    print(f"reuse over the switch's pre-warm and {len(TYPED)} keystrokes: {reused / prompt:.2%}")
    # Rotating the section on the way back re-read the whole prompt: 91.7% (98.3% kept).
    assert reused / prompt >= 0.95
