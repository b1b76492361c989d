"""Background work in a big document: pre-warm and the next suggestion read only the text near
the cursor (never a copy of the whole), so a file of megabytes gets them as a small one does."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    background_done,
    focus,
    inline_params,
    insert,
    open_document,
    start_session,
    wait_for_worker,
)

pytestmark = pytest.mark.protocol

URI = "file:///work/demo/big.py"
FILLER = "".join(f"def helper_{i}(x):\n    return x * {i} + {i}\n\n" for i in range(50_000))
SOURCE = f"import math\n\n{FILLER}def area(radius):\n    \n\n\nprint(area(2))\n"
ROW = SOURCE.count("\n", 0, SOURCE.index("    \n\n\nprint"))
TYPED = "r = radius ** 2 * math.pi + 1"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    completion = {"maxTokens": 4, "prewarm": True, "nextSuggestion": True}
    await start_session(lsp_client, {"model": str(tiny_model), "completion": completion})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_a_big_document_is_warmed_and_gets_its_next_suggestion(client: LanguageClient):
    assert len(SOURCE) > 2 << 20  # twice what background work used to skip
    open_document(client, URI, SOURCE)
    focus(client, URI, ROW, 4)
    assert (await background_done(client, 1))["background"]["prewarms"] == 1
    col, items = 4, []
    for version, char in enumerate(TYPED, start=2):  # until the random model suggests something
        insert(client, URI, version, ROW, col, char)
        col += 1
        answer = await client.text_document_inline_completion_async(inline_params(URI, ROW, col))
        assert isinstance(answer, types.InlineCompletionList)
        if items := answer.items:
            break
    assert items, f"the test model suggested nothing after any of {TYPED!r}"
    # The suggestion on screen: the one that follows its acceptance is computed ahead.
    background = (await background_done(client, 2))["background"]
    assert background["model_calls"] == 2 and background["prewarms"] == 1, background
