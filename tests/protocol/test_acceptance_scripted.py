"""Acceptance figures exactly, for suggestions we choose (emoji, several lines, languages):
the real server object and handlers in-process, a scripted model in place of the worker."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .scripted import Harness

pytestmark = pytest.mark.protocol

SHOW = "textDocument/didShowCompletion"
PARTIAL = "textDocument/didPartiallyAcceptCompletion"
ACCEPT = "qwen.didAcceptCompletionItem"
EMOJI = 'label = "😀 done"\n    print(label)'  # 33 characters, 34 UTF-16 units: 😀 takes 2


async def suggest(h: Harness, uri: str, text: str, line: int, col: int) -> dict:
    h.backend.completion = text
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=col),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Invoked
        ),
    )
    result = await h.features[types.TEXT_DOCUMENT_INLINE_COMPLETION](params)
    assert result.items, "no suggestion"
    item = result.items[0]
    assert item.insert_text == text
    return {"insertText": item.insert_text, "command": {"arguments": item.command.arguments}}


async def figures(h: Harness) -> dict:
    return (await h.command("qwen.stats"))["acceptance"]


@pytest.fixture
async def h() -> Harness:
    harness = Harness({"completion": {"multiline": "always"}, "acceptance": {"persist": False}})
    harness.open("file:///work/demo/a.py", "def report():\n    \n", "python")
    harness.open("file:///work/demo/b.go", "package main\n\n\n", "go")
    return harness


async def test_partial_acceptance_with_an_emoji_counts_utf16_units(h: Harness):
    item = await suggest(h, "file:///work/demo/a.py", EMOJI, 1, 4)
    h.features[SHOW]({"item": item})
    accepted = 'label = "😀'
    h.features[PARTIAL]({"item": item, "acceptedLength": len(accepted.encode("utf-16-le")) // 2})
    result = await figures(h)
    assert (result["shown"], result["accepted"], result["partly_accepted"]) == (1, 0, 1)
    assert result["kept_chars"] == 11 and result["shown_chars"] == 34
    assert result["multi_line"]["partly_accepted"] == 1 and result["single_line"]["shown"] == 0
    h.features[PARTIAL]({"item": item, "acceptedLength": 17})  # the first line, from the start
    assert (await figures(h))["kept_chars"] == 17
    await h.command(ACCEPT, *item["command"]["arguments"])
    result = await figures(h)
    assert (result["accepted"], result["partly_accepted"], result["kept_chars"]) == (1, 0, 34)


async def test_rates_per_language_and_line_count(h: Harness):
    py = await suggest(h, "file:///work/demo/a.py", EMOJI, 1, 4)
    go_kept = await suggest(h, "file:///work/demo/b.go", "func main() {}", 1, 0)
    go_dismissed = await suggest(h, "file:///work/demo/b.go", 'import "fmt"', 2, 0)
    for item in (py, go_kept, go_dismissed):
        h.features[SHOW]({"item": item})
    await h.command(ACCEPT, *go_kept["command"]["arguments"])
    h.features[PARTIAL]({"item": py, "acceptedLength": 1})
    result = await figures(h)
    assert result["acceptance_rate"] == round(2 / 3, 4)
    assert result["by_language"]["go"]["acceptance_rate"] == 0.5
    assert result["by_language"]["python"]["partly_accepted"] == 1
    assert result["single_line"]["shown"] == 2 and result["single_line"]["accepted"] == 1
    assert result["multi_line"]["shown"] == 1
    assert result["last_hour"]["shown"] == 3


async def test_events_for_unknown_items_change_nothing(h: Harness):
    h.features[SHOW]({"item": {"command": {"arguments": ["gone+0"]}}})
    h.features[SHOW]({"item": {"insertText": "no command"}})
    h.features[PARTIAL]({"item": {"command": {"arguments": ["x+1"]}}, "acceptedLength": "3"})
    await h.command(ACCEPT, 42)
    assert (await figures(h))["shown"] == 0
