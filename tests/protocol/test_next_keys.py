"""Next keys: after a suggestion, those for the keys the model finds likeliest next are computed
ahead, so a pause after typing one shows its ghost text without a model call."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from models import trained_model_dir
from pytest_lsp import LanguageClient

from .corpus import corpus_text, corpus_uri
from .lsp_helpers import SERVER, insert, open_document, start_session, stats, suggestion

pytestmark = [pytest.mark.protocol, pytest.mark.model]  # the trained model: real next keys

NAME = "temperature.py"
LINES = ("    return celsius * 9 / 5 + 32", "    return (fahrenheit - 32) * 5 / 9")


@pytest_lsp.fixture(config=SERVER, params=[2, 0], ids=["ahead", "off"])
async def client(lsp_client: LanguageClient, request):
    completion = {"multiline": "never", "nextKeys": request.param, "nextSuggestion": False}
    options = {"model": str(trained_model_dir()), "completion": completion}
    await start_session(lsp_client, options)
    lsp_client.next_keys = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def settled(client: LanguageClient) -> dict:
    """Stats once background work has stopped coming in (each keystroke's keys are computed
    before the next: the test is about what they answer, not about the race)."""
    current = await stats(client)
    while True:
        await asyncio.sleep(0.2)
        later = await stats(client)
        if later["background"] == current["background"]:
            return later
        current = later


async def test_a_likely_next_key_is_answered_from_work_done_ahead(client: LanguageClient):
    text, version, hits = corpus_text(NAME), 1, []
    for line in LINES:
        text = text.replace(line, "    ", 1)  # the line left to type, its indentation kept
    open_document(client, corpus_uri(NAME), text)
    rows = [text.split("\n").index("    ", start) for start in (0,)]
    rows.append(text.split("\n").index("    ", rows[0] + 1))
    for row, line in zip(rows, LINES, strict=True):
        for col in range(4, len(line)):
            version += 1
            insert(client, corpus_uri(NAME), version, row, col, line[col])
            before = await settled(client)
            shown = await suggestion(client, corpus_uri(NAME), row, col + 1)
            after = await settled(client)
            if after["background"]["next_key_hits"] > before["background"]["next_key_hits"]:
                assert shown.strip()  # answered from the cache, without the model
                assert after["model_calls"] == before["model_calls"]
                assert after["cache_hits"] == before["cache_hits"] + 1
                hits.append(line[: col + 1])
        if hits and client.next_keys:  # type: ignore[attr-defined]
            break  # seen: the rest would only cost time
    final = await settled(client)
    if client.next_keys:  # type: ignore[attr-defined]
        assert final["background"]["next_keys"] > 0 and hits, final["background"]
    else:
        assert final["background"]["next_keys"] == 0 and not hits
