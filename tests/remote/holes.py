"""Completions at single-line holes of the corpus through a running language server."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from ..model.test_trained_model import single_line_holes
from ..protocol.lsp_helpers import inline_params, open_document

LANGUAGES = {".py": "python", ".js": "javascript", ".go": "go"}


async def fill_holes(client: LanguageClient, count: int) -> list[tuple[str, str, str]]:
    """(file, original line, suggestion) for `count` holes; one document open at a time."""
    results = []
    for index, (path, text, offset, line) in enumerate(single_line_holes(count, seed=1)):
        uri = f"file:///work/demo/{index}/{path.name}"
        open_document(client, uri, text, LANGUAGES[path.suffix])
        row = text.count("\n", 0, offset)
        result = await client.text_document_inline_completion_async(inline_params(uri, row, 0))
        assert isinstance(result, types.InlineCompletionList)
        got = result.items[0].insert_text if result.items else ""
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        results.append((path.name, line, got))
    return results
