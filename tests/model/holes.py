"""Single-line holes of the corpus filled through a running language server, whatever backend
serves it (the local worker, or a remote server in tests/remote)."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from ..protocol.lsp_helpers import inline_params, open_document
from .test_trained_model import EXACT_SHARE, single_line_holes

LANGUAGES = {".py": "python", ".js": "javascript", ".go": "go"}


async def fill_holes(
    client: LanguageClient, count: int, indented: bool = False
) -> list[tuple[str, str, str]]:
    """(file, expected text, suggestion) for `count` holes. `indented`: the line keeps its
    indentation and the cursor follows it, as after Enter in an auto-indenting editor."""
    results = []
    for index, (path, text, offset, line) in enumerate(single_line_holes(count, seed=1)):
        uri = f"file:///work/demo/{index}/{path.name}"
        column = 0
        if indented:
            indent = line[: len(line) - len(line.lstrip())]
            text, line, column = text[:offset] + indent + text[offset:], line.lstrip(), len(indent)
        open_document(client, uri, text, LANGUAGES[path.suffix])
        row = text.count("\n", 0, offset)
        params = inline_params(uri, row, column)
        result = await client.text_document_inline_completion_async(params)
        assert isinstance(result, types.InlineCompletionList)
        got = result.items[0].insert_text if result.items else ""
        # One open document at a time: other open files would become repository context.
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        results.append((path.name, line, got))
    return results


async def assert_holes_filled(
    client: LanguageClient, count: int, share: float = EXACT_SHARE, indented: bool = False
):
    """At least `share` of `count` holes come back as the original line."""
    results = await fill_holes(client, count, indented)
    misses = [r for r in results if r[1] != r[2]]
    print(f"served completions: {count - len(misses)}/{count} holes filled with the exact line")
    assert len(misses) <= count * (1 - share), misses
