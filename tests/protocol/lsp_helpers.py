"""Helpers for driving the real server with pytest-lsp."""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "qwen_lsp", "--stdio"])


def capabilities(
    client: str = "visual-studio-code", experimental: dict[str, Any] | None = None
) -> types.ClientCapabilities:
    """A real client's recorded capabilities, plus inline completion (they predate it) and
    `experimental` ones (qwen-lsp's protocol extensions)."""
    caps = client_capabilities(client)
    assert caps.text_document is not None
    caps.text_document.inline_completion = types.InlineCompletionClientCapabilities()
    if experimental is not None:
        caps.experimental = experimental
    return caps


def whole_suggestions(options: dict[str, Any]) -> dict[str, Any]:
    """`options` with `completion.answerWithinMs` 0 unless they set it: suggestions answered
    whole, whatever the machine's load (the default answers a slow generation early)."""
    completion = {"answerWithinMs": 0, **options.get("completion", {})}
    return {**options, "completion": completion}


async def start_session(
    client: LanguageClient,
    options: dict[str, Any],
    client_name: str = "visual-studio-code",
    *,
    whole: bool = True,
    experimental: dict[str, Any] | None = None,
) -> types.InitializeResult:
    """Initialize with `options`, answered to workspace/configuration too; `whole`: with
    `whole_suggestions`, else the server's defaults for what `options` leave out."""
    options = whole_suggestions(options) if whole else options
    client.set_configuration(options, section="qwen")
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(client_name, experimental),
            initialization_options=options,
            root_uri="file:///work/demo",
        )
    )


async def stats(client: LanguageClient) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen.stats")
    )


async def wait_for_worker(
    client: LanguageClient, state: str = "ready", timeout: float = 60
) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        current = await stats(client)
        if current["worker"]["state"] == state:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"worker never reached {state!r}: {current['worker']}")
        await asyncio.sleep(0.1)


async def background_done(client: LanguageClient, calls: int = 1, timeout: float = 30) -> dict:
    """Stats once `calls` background requests (pre-warm, next suggestions) have ended."""
    deadline = time.monotonic() + timeout
    while (current := await stats(client))["background"]["model_calls"] < calls:
        assert time.monotonic() < deadline, current["background"]
        await asyncio.sleep(0.05)
    return current


def focus(client: LanguageClient, uri: str, line: int, character: int) -> None:
    """`qwen/didFocus`: the editor shows `uri` with the cursor at (line, character)."""
    position = {"line": line, "character": character}
    client.protocol.notify("qwen/didFocus", {"textDocument": {"uri": uri}, "position": position})


def open_document(client: LanguageClient, uri: str, text: str, language: str = "python") -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )


def close_document(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def insert(client: LanguageClient, uri: str, version: int, line: int, col: int, text: str):
    here = types.Position(line=line, character=col)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=here, end=here), text=text
                )
            ],
        )
    )


def inline_params(uri: str, line: int, col: int) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=col),
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
    )


async def suggestion(client: LanguageClient, uri: str, line: int, col: int) -> str:
    """The text of the inline completion at (line, col) of `uri`; "" when there is none."""
    answer = await client.text_document_inline_completion_async(inline_params(uri, line, col))
    assert isinstance(answer, types.InlineCompletionList), answer
    return str(answer.items[0].insert_text) if answer.items else ""


async def suggest(client: LanguageClient, uri: str, line: int, col: int) -> str:
    """The ghost text at (line, col), which must be there."""
    text = await suggestion(client, uri, line, col)
    assert text, "no suggestion"
    return text


async def reuse_after_one_keystroke(
    client: LanguageClient, uri: str, text: str, line: int, col: int, char: str
) -> tuple[int, int]:
    """Open `text`, ask at (line, col), type `char` there and ask again: the second request's
    (prompt tokens, prompt tokens reused from the KV cache), from `qwen.stats`."""
    open_document(client, uri, text)
    await client.text_document_inline_completion_async(inline_params(uri, line, col))
    first = await stats(client)
    insert(client, uri, 2, line, col, char)
    await client.text_document_inline_completion_async(inline_params(uri, line, col + 1))
    second = await stats(client)
    prompt = second["prompt_tokens"] - first["prompt_tokens"]
    return prompt, second["reused_prompt_tokens"] - first["reused_prompt_tokens"]
