"""Acceptance over the wire, with Copilot's method names and shapes: the real server and worker.

The trained test model serves the suggestions: a line of temperature.py it learned, cleared to
its indentation (the random-weight model's loops are dropped by post-processing). Each test has
its own state directory (tests/conftest.py), so the figures start from zero.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import converters, types
from models import REPO_CORPUS, trained_model_dir
from pytest_lsp import LanguageClient

from .lsp_helpers import (
    SERVER,
    close_document,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = [pytest.mark.protocol, pytest.mark.model]

URI = "file:///work/demo/temperature.py"
OTHER_URI = "file:///work/demo/other/temperature.py"
LINES = (REPO_CORPUS / "temperature.py").read_text().split("\n")
SOURCE = "\n".join([*LINES[:10], "    ", *LINES[11:]])  # line 11 cleared: the cursor at 10:4
OTHER = "\n".join([*LINES[:6], "    ", *LINES[7:]])  # line 7 cleared: the cursor at 6:4
OPTIONS = {"completion": {"multiline": "never"}}
ACCEPT = "qwen.didAcceptCompletionItem"
SHOW = "textDocument/didShowCompletion"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await start_session(lsp_client, {"model": str(trained_model_dir()), **OPTIONS})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def suggest(
    client: LanguageClient, line: int, col: int, uri: str = URI
) -> types.InlineCompletionItem:
    result = await client.text_document_inline_completion_async(inline_params(uri, line, col))
    assert isinstance(result, types.InlineCompletionList) and result.items
    item = result.items[0]
    assert isinstance(item.insert_text, str) and item.insert_text.strip()
    return item


def wire(item: types.InlineCompletionItem) -> dict:
    """The item as the client received it (JSON), which it sends back unchanged."""
    return converters.get_converter().unstructure(item)


def show(client: LanguageClient, item: types.InlineCompletionItem) -> None:
    client.protocol.notify("textDocument/didShowCompletion", {"item": wire(item)})


async def accept(client: LanguageClient, item: types.InlineCompletionItem) -> None:
    assert item.command is not None and item.command.command == ACCEPT
    params = types.ExecuteCommandParams(command=ACCEPT, arguments=item.command.arguments)
    await client.workspace_execute_command_async(params)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def test_shown_then_accepted_and_shown_then_dismissed(client: LanguageClient):
    open_document(client, URI, SOURCE)
    kept = await suggest(client, 10, 4)
    close_document(client, URI)  # one document at a time: as the model learned the file
    open_document(client, OTHER_URI, OTHER)
    dismissed = await suggest(client, 6, 4, OTHER_URI)
    show(client, kept)
    show(client, kept)  # shown again (e.g. after the cursor came back): still one suggestion
    show(client, dismissed)
    await accept(client, kept)
    figures = (await stats(client))["acceptance"]
    size = units(str(kept.insert_text))
    assert (figures["shown"], figures["accepted"], figures["partly_accepted"]) == (2, 1, 0)
    assert figures["kept_chars"] == size
    assert figures["shown_chars"] == size + units(str(dismissed.insert_text))
    assert figures["acceptance_rate"] == 0.5
    assert figures["by_language"]["python"]["acceptance_rate"] == 0.5
    assert figures["single_line"]["shown"] == 2 and figures["last_hour"]["accepted"] == 1


async def test_partial_acceptance_counts_the_utf16_length_accepted(client: LanguageClient):
    open_document(client, URI, SOURCE)
    item = await suggest(client, 10, 4)
    text = str(item.insert_text)
    show(client, item)
    client.protocol.notify(
        "textDocument/didPartiallyAcceptCompletion", {"item": wire(item), "acceptedLength": 1}
    )
    figures = (await stats(client))["acceptance"]
    assert (figures["shown"], figures["accepted"], figures["partly_accepted"]) == (1, 0, 1)
    assert figures["kept_chars"] == 1 and figures["shown_chars"] == units(text)
    assert figures["acceptance_rate"] == 1.0


async def test_typing_a_shown_suggestion_out_counts_as_accepted(client: LanguageClient):
    open_document(client, URI, SOURCE)
    item = await suggest(client, 10, 4)
    text = str(item.insert_text)
    assert len(text.rstrip()) >= 2, f"too short to type through: {text!r}"
    show(client, item)
    insert(client, URI, 2, 10, 4, text[0])
    rest = await suggest(client, 10, 5)  # from the cache: the same suggestion, one typed
    assert rest.insert_text == text[1:] and rest.command is not None
    show(client, rest)
    middle = (await stats(client))["acceptance"]
    assert (middle["shown"], middle["partly_accepted"], middle["kept_chars"]) == (1, 1, 1)
    insert(client, URI, 3, 10, 5, text[1:])
    await client.text_document_inline_completion_async(inline_params(URI, 10, 4 + len(text)))
    figures = (await stats(client))["acceptance"]
    assert (figures["shown"], figures["accepted"], figures["partly_accepted"]) == (1, 1, 0)
    assert figures["kept_chars"] == units(text) and figures["acceptance_rate"] == 1.0


async def test_a_suggestion_typed_without_being_shown_is_not_counted(client: LanguageClient):
    open_document(client, URI, SOURCE)
    item = await suggest(client, 10, 4)
    insert(client, URI, 2, 10, 4, str(item.insert_text)[0])
    await suggest(client, 10, 5)
    assert (await stats(client))["acceptance"]["shown"] == 0


@contextlib.asynccontextmanager
async def session(options: dict) -> AsyncIterator[LanguageClient]:
    """A server of our own, started and shut down within one test."""
    server = await SERVER.start()
    try:
        await start_session(server, {"model": str(trained_model_dir()), **OPTIONS, **options})
        await wait_for_worker(server)
        yield server
    finally:
        await server.shutdown_session()
        await server.stop()


async def test_figures_outlive_a_restart_in_the_state_directory(private_state_dir):
    async with session({}) as client:
        open_document(client, URI, SOURCE)
        item = await suggest(client, 10, 4)
        show(client, item)
        await accept(client, item)
    saved = json.loads((private_state_dir / "qwen-lsp" / "acceptance.json").read_text())
    assert saved["buckets"]["total"]["accepted"] == 1
    assert saved["buckets"]["language:python"]["shown"] == 1
    async with session({}) as later:
        figures = (await stats(later))["acceptance"]
        assert (figures["shown"], figures["accepted"], figures["acceptance_rate"]) == (1, 1, 1.0)
        assert figures["last_hour"]["shown"] == 0  # the last hour is this server's own


async def test_nothing_is_written_when_persistence_is_off(private_state_dir):
    async with session({"acceptance": {"persist": False}}) as client:
        open_document(client, URI, SOURCE)
        item = await suggest(client, 10, 4)
        show(client, item)
        await accept(client, item)
        assert (await stats(client))["acceptance"]["accepted"] == 1
    assert not (private_state_dir / "qwen-lsp").exists()


async def test_a_clients_felt_latency_is_shown_beside_the_servers_for_that_answer(
    client: LanguageClient,
):
    """`feltMs` on didShowCompletion (ours): the client's time from the keystroke to the item
    on screen; `qwen.stats` keeps it beside its own latency of the same answer, once."""
    open_document(client, URI, SOURCE)
    asked = time.perf_counter()
    item = await suggest(client, 10, 4)
    felt_ms = round((time.perf_counter() - asked) * 1000, 2)
    client.protocol.notify(SHOW, {"item": wire(item), "feltMs": felt_ms})
    client.protocol.notify(SHOW, {"item": wire(item), "feltMs": 1e3})
    plain = await suggest(client, 10, 4)  # again, from the cache: shown without feltMs
    show(client, plain)
    figures = await stats(client)
    felt = figures["felt_latency_ms"]
    assert felt["answers"] == 1  # once an answer; one shown without a report is not counted
    assert felt["client"]["p50"] == felt_ms
    # The server's latency of that answer: the larger of the session's two (the other a cache hit).
    assert felt["server"]["p50"] == figures["latency_ms"]["p95"] > 0
    assert felt["server"]["p50"] <= felt_ms + 5  # what the client waited holds what the server saw
