"""Issue 3's acceptance through the real language server and worker: single-line holes in the
training files come back as the original line."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pytest_lsp import LanguageClient

from ..protocol.lsp_helpers import (
    SERVER,
    inline_params,
    open_document,
    start_session,
    wait_for_worker,
)
from .holes import LANGUAGES, assert_holes_filled
from .test_trained_model import HOLES, single_line_holes

pytestmark = pytest.mark.model


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await start_session(lsp_client, {"model": str(trained_model_dir())})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_served_completions_fill_holes_with_the_original_line(client: LanguageClient):
    await assert_holes_filled(client, HOLES)


async def test_completion_round_trip_inserts_one_item_at_the_cursor(client: LanguageClient):
    """A served suggestion arrives as exactly one item, anchored at the cursor."""
    path, text, offset, line = single_line_holes(1, seed=3)[0]
    uri = f"file:///work/demo/round-trip/{path.name}"
    open_document(client, uri, text, LANGUAGES[path.suffix])
    row = text.count("\n", 0, offset)
    result = await client.text_document_inline_completion_async(inline_params(uri, row, 0))
    assert isinstance(result, types.InlineCompletionList)
    assert len(result.items) == 1, "the model's answer did not reach the editor"
    item = result.items[0]
    here = types.Position(row, 0)
    assert item.range == types.Range(start=here, end=here)
    assert item.insert_text == line
