"""Typing through a suggestion is answered by the server's cache, not the model; `qwen.stats`
latency of such an answer is the trip the user waits as far as the server sees it: from the
keystroke's bytes read to the answer written, measured against the client's own clock
(`time.perf_counter` is the system's monotonic clock)."""

from __future__ import annotations

import time

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pytest_lsp import LanguageClient

from .corpus import corpus_uri, line_left_out
from .lsp_helpers import (
    SERVER,
    inline_params,
    insert,
    open_document,
    start_session,
    stats,
    wait_for_worker,
)

pytestmark = [pytest.mark.protocol, pytest.mark.model]  # the trained model suggests real code

URI = corpus_uri("temperature.py")
SOURCE, ROW = line_left_out("temperature.py", "    return ")
KEYSTROKES = 4  # with the first answer, five samples: their median is one of these
PADDING = "# " + "x" * 4_000_000 + "\n"  # a change the server takes a while to read and apply


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    options = {"model": str(trained_model_dir()), "completion": {"multiline": "never"}}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_typed_characters_of_a_suggestion_need_no_model_call(client: LanguageClient):
    open_document(client, URI, SOURCE)
    first = await client.text_document_inline_completion_async(inline_params(URI, ROW, 0))
    assert isinstance(first, types.InlineCompletionList)
    assert first.items and len(str(first.items[0].insert_text)) >= 2, first
    suggestion = str(first.items[0].insert_text)
    before = await stats(client)
    insert(client, URI, 2, ROW, 0, suggestion[0])
    second = await client.text_document_inline_completion_async(inline_params(URI, ROW, 1))
    after = await stats(client)
    assert isinstance(second, types.InlineCompletionList) and second.items
    assert second.items[0].insert_text == suggestion[1:]
    assert after["cache_hits"] == before["cache_hits"] + 1
    assert after["model_calls"] == before["model_calls"]


def replace_all(client: LanguageClient, version: int, *texts: str) -> None:
    """One didChange that replaces the whole text with each of `texts` in turn."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=t) for t in texts],
        )
    )


async def test_latency_counts_reading_the_keystroke_and_writing_the_answer(
    client: LanguageClient,
):
    """Keystrokes whose didChange is slow to read and apply (a 4 MB text, then the typed one),
    answered from the typing cache: the reported latency is most of what the client waited
    (the handler alone, from its listener to its return, takes a millisecond or two), and no
    more than it."""
    open_document(client, URI, SOURCE)
    first = await client.text_document_inline_completion_async(inline_params(URI, ROW, 0))
    assert isinstance(first, types.InlineCompletionList) and first.items, first
    suggestion = str(first.items[0].insert_text)
    assert len(suggestion) > KEYSTROKES + 1 and suggestion[KEYSTROKES:].strip(), suggestion
    before, lines = await stats(client), SOURCE.split("\n")
    waited, unseen = [], []  # ms from before the client encoded the change, and after it had
    for typed in range(1, KEYSTROKES + 1):
        text = "\n".join([*lines[:ROW], suggestion[:typed], *lines[ROW + 1 :]])
        sending = time.perf_counter()
        replace_all(client, typed + 1, SOURCE + PADDING, text)
        sent = time.perf_counter()  # the client has encoded it, and begun to write it
        answer = await client.text_document_inline_completion_async(inline_params(URI, ROW, typed))
        answered = time.perf_counter()
        assert isinstance(answer, types.InlineCompletionList) and answer.items, answer
        waited.append((answered - sending) * 1000)
        unseen.append((answered - sent) * 1000)
    after = await stats(client)
    assert after["cache_hits"] == before["cache_hits"] + KEYSTROKES  # the trip is the server's
    # The median of the first answer and these four lies between the least and most of these.
    reported = after["latency_ms"]["p50"]
    assert reported <= max(waited), (reported, waited)
    assert reported >= 0.5 * min(unseen), (reported, unseen)
