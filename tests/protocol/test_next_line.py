"""At a line's end the next line is suggested, and after Tab the one after it comes from cache."""

from __future__ import annotations

import pytest
import pytest_lsp
from models import trained_model_dir
from pytest_lsp import LanguageClient

from .corpus import corpus_text, corpus_uri
from .lsp_helpers import (
    SERVER,
    background_done,
    insert,
    open_document,
    start_session,
    stats,
    suggestion,
    wait_for_worker,
)

pytestmark = [pytest.mark.protocol, pytest.mark.model]  # the trained model suggests real code

URI = corpus_uri("temperature.py")
LINES = corpus_text("temperature.py").split("\n")
ROW = LINES.index("    window: int = 5")
TYPED = "    window:"
# The user is typing the line; the line the model knows comes next is not written yet.
SOURCE = "\n".join([*LINES[:ROW], TYPED, *LINES[ROW + 2 :]])


@pytest_lsp.fixture(config=SERVER, params=[True, False], ids=["next-line", "off"])
async def client(lsp_client: LanguageClient, request):
    completion = {
        "nextLine": request.param,
        "enterPrewarm": False,
    }  # counts background work: no pre-warm for Enter
    options = {"model": str(trained_model_dir()), "completion": completion}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    lsp_client.next_line = request.param  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_tab_at_a_line_end_shows_the_next_line_from_cache(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await suggestion(client, URI, ROW, len(TYPED))
    assert first == " int = 5"  # the rest of the line: the cursor ends up at the line's end
    computed = await background_done(client)  # the suggestion after accepting it, ahead
    before = await stats(client)
    insert(client, URI, 2, ROW, len(TYPED), first)  # Tab
    second = await suggestion(client, URI, ROW, len(TYPED + first))
    after = await stats(client)
    if client.next_line:  # type: ignore[attr-defined]
        assert computed["background"]["next_suggestions"] == 1, computed["background"]
        assert second == "\n" + LINES[ROW + 1]  # on the next line, at its indentation
        assert after["cache_hits"] == before["cache_hits"] + 1
        assert after["model_calls"] == before["model_calls"]  # no model call: from cache
        assert after["background"]["next_suggestion_hits"] == 1
    else:  # as before: the model ends the line, nothing is shown and nothing was ahead
        assert computed["background"]["next_suggestions"] == 0, computed["background"]
        assert second == ""
        assert after["model_calls"] == before["model_calls"] + 1


async def test_enter_types_through_the_next_line_suggestion(client: LanguageClient):
    open_document(client, URI, "\n".join([*LINES[:ROW], LINES[ROW], *LINES[ROW + 2 :]]))
    end = len(LINES[ROW])
    shown = await suggestion(client, URI, ROW, end)
    if not client.next_line:  # type: ignore[attr-defined]
        assert shown == ""
        return
    assert shown == "\n" + LINES[ROW + 1]
    indent = "    "
    insert(client, URI, 2, ROW, end, "\n" + indent)  # Enter: the editor indents the new line
    before = await stats(client)
    rest = await suggestion(client, URI, ROW + 1, len(indent))
    after = await stats(client)
    assert rest == LINES[ROW + 1].removeprefix(indent)
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["model_calls"] == before["model_calls"]
