"""Issue 3's acceptance through the real language server and worker: single-line holes in the
training files come back as the original line."""

from __future__ import annotations

import pytest
import pytest_lsp
from models import trained_model_dir
from pytest_lsp import LanguageClient

from ..protocol.lsp_helpers import (
    SERVER,
    start_session,
    wait_for_worker,
)
from .holes import assert_holes_filled
from .test_trained_model import HOLES

pytestmark = pytest.mark.model


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await start_session(lsp_client, {"model": str(trained_model_dir())})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_served_completions_fill_holes_with_the_original_line(client: LanguageClient):
    await assert_holes_filled(client, HOLES)
