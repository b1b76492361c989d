"""No edit lands on a document version other than the one it was computed for: each edit path
through the real server and worker (the trained test model), with the user typing in between.

Two windows per path, each hit deterministically:
- while the model runs: the worker is paused (SIGSTOP) once the server has asked it, the user
  types, and the worker resumes only after the server has taken the change;
- while the edit is on its way: the editor's `workspace/applyEdit` handler types first, as a user
  can between the server's send and the editor's apply (the editor refuses a versioned edit for
  another version, as VS Code and Neovim do).
Each test then undoes the typing and shows that the same path, untouched, does make an edit: the
model's answer was an edit, so only the version check kept it off the typed text.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pytest_lsp import LanguageClient

from . import corpus
from .action_helpers import as_code_action, corpus_actions
from .editor import Editor
from .lsp_helpers import SERVER, start_session, stats, wait_for_worker
from .test_docs_on_save import _runs, _without

pytestmark = [pytest.mark.protocol, pytest.mark.model]

TYPED = "\nprint(top_words('a b a'))\n"  # what the user types at the end of the file
STALE = "qwen-lsp: the document changed while Qwen worked; no edit was made."


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    options = {"actions": {"temperature": 0}, "docs": {"onSave": True, "maxPerSave": 1}}
    await start_session(lsp_client, {"model": str(trained_model_dir()), **options})
    await wait_for_worker(lsp_client)
    lsp_client.editor = Editor(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@contextlib.asynccontextmanager
async def model_paused(client: LanguageClient) -> AsyncIterator[None]:
    """The worker stopped (SIGSTOP): whatever the server asks it stays unanswered until the
    block ends."""
    pid = (await stats(client))["worker"]["pid"]
    assert pid
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


async def model_asked(client: LanguageClient, before: int) -> None:
    """Wait for a progress report that the server has asked the model (after `before` such)."""
    for _ in range(600):
        if len(_asked(client)) > before:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the server never asked the model: {client.progress_reports}")


def _asked(client: LanguageClient) -> list[str]:
    return [
        r.message or ""
        for reports in client.progress_reports.values()
        for r in reports
        if isinstance(r, types.WorkDoneProgressReport) and "asking the model" in (r.message or "")
    ]


async def type_while_the_model_runs(client: LanguageClient, uri: str, started) -> object:
    """Start a request (`started()` → awaitable) with the worker paused, type once the server
    has asked the model, let the server take the change, then let the model answer."""
    editor: Editor = client.editor  # type: ignore[attr-defined]
    async with model_paused(client):
        before = len(_asked(client))
        pending = asyncio.ensure_future(started())
        await model_asked(client, before)
        editor.replace_all(uri, editor.texts[uri] + TYPED)
        await stats(client)  # answered in order: the server has the change
        assert not pending.done()
    return await asyncio.wait_for(pending, 120)


def type_when_the_edit_arrives(editor: Editor, uri: str) -> None:
    """The user types between the server's `workspace/applyEdit` and the editor applying it."""
    editor.before_apply = lambda: editor.replace_all(uri, editor.texts[uri] + TYPED)


def undo(editor: Editor, uri: str, text: str) -> None:
    """The user takes the typing back: the text as it was, at a newer version."""
    editor.before_apply = None
    editor.replace_all(uri, text)


async def actions_at(client: LanguageClient, uri: str, line: int) -> dict[str, types.CodeAction]:
    """The actions listed at `line` of the open document (at its current version)."""
    here = types.Position(line=line, character=2)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=here, end=here),
        context=types.CodeActionContext(diagnostics=[]),
    )
    result = await client.text_document_code_action_async(params)
    return {a.data["kind"]: a for a in map(as_code_action, result or [])}  # type: ignore[index]


def refused_version(editor: Editor) -> int | None:
    (edit,) = editor.refused
    (change,) = edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    return change.text_document.version


async def test_code_action_resolve(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d, listed = await corpus_actions(client, "python", "wordcount.py", "top_words")
    resolved = await type_while_the_model_runs(
        client, uri, lambda: client.code_action_resolve_async(listed["docstring"])
    )
    assert isinstance(resolved, types.CodeAction) and resolved.edit is None
    assert client.messages[-1].message == STALE
    assert editor.texts[uri] == text + TYPED and editor.applied == editor.refused == []

    # Untouched, the same action at the new version is an edit against exactly that version.
    undo(editor, uri, text)
    listed = await actions_at(client, uri, d.start_line + 1)
    assert listed["docstring"].data["version"] == 3  # type: ignore[index]
    resolved = await client.code_action_resolve_async(listed["docstring"])
    assert resolved.edit is not None, client.messages[-1].message
    corpus.single_change(resolved.edit, uri, version=3)
    # Typed while the resolved edit was on its way: the editor refuses it, the typing stays.
    editor.replace_all(uri, text + TYPED)
    assert not editor.apply(resolved.edit) and editor.texts[uri] == text + TYPED


async def refactor(client: LanguageClient, listed: dict[str, types.CodeAction]) -> dict:
    command = listed["refactor"].command
    assert command is not None and command.arguments
    args = [{**command.arguments[0], "instruction": corpus.REFACTOR_ASKS[0]}]
    params = types.ExecuteCommandParams(command=command.command, arguments=args)
    return await client.workspace_execute_command_async(params)


async def test_refactor(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d, listed = await corpus_actions(client, "python", "wordcount.py", "words")
    result = await type_while_the_model_runs(client, uri, lambda: refactor(client, listed))
    assert result == {"applied": False, "message": "the document changed"}
    assert client.messages[-1].message == STALE
    assert editor.texts[uri] == text + TYPED and editor.applied == editor.refused == []

    undo(editor, uri, text)  # version 3
    listed = await actions_at(client, uri, d.start_line + 1)
    type_when_the_edit_arrives(editor, uri)
    result = await refactor(client, listed)
    assert result["applied"] is False and editor.applied == []
    assert refused_version(editor) == 3  # computed for version 3, refused at version 4
    assert editor.texts[uri] == text + TYPED
    assert "did not apply the refactoring" in client.messages[-1].message


async def docs_run(client: LanguageClient, start) -> str:
    """Start a documentation run and give its log line once it has finished."""
    runs = len(_runs(client))
    await start()
    for _ in range(600):
        if len(_runs(client)) > runs:
            return _runs(client)[-1]
        await asyncio.sleep(0.05)
    raise AssertionError("the documentation run never finished")


async def test_docs_on_save(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d = corpus.definition("python")
    editor.open(uri, _without(text, d))
    editor.replace_all(uri, text)  # the user writes top_words (version 2) and saves

    async def save() -> None:
        editor.save(uri)

    line = await type_while_the_model_runs(client, uri, lambda: docs_run(client, save))
    assert line.endswith("dropped: the text changed")
    assert editor.texts[uri] == text + TYPED and editor.applied == editor.refused == []

    undo(editor, uri, text)  # version 4; top_words is still owed
    type_when_the_edit_arrives(editor, uri)
    line = await docs_run(client, save)
    assert refused_version(editor) == 4 and editor.applied == []
    assert line.endswith("refused by the editor (stale)")
    assert editor.texts[uri] == text + TYPED

    undo(editor, uri, text)  # version 6: still owed, documented on this save
    line = await docs_run(client, save)
    assert line.endswith("1 documented") and len(editor.applied) == 1
    corpus.single_change(editor.applied[0], uri, version=6)


async def test_generate_docs_command(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, _ = corpus.definition("python")
    editor.open(uri, text)

    async def generate() -> dict:
        params = types.ExecuteCommandParams(command="qwen.generateDocs", arguments=[uri])
        return await client.workspace_execute_command_async(params)

    result = await type_while_the_model_runs(client, uri, generate)
    assert result == {"documented": 0, "applied": False, "message": "dropped: the text changed"}
    assert client.messages[-1].message == STALE
    assert editor.texts[uri] == text + TYPED and editor.applied == editor.refused == []

    undo(editor, uri, text)  # version 3
    type_when_the_edit_arrives(editor, uri)
    result = await generate()
    assert result["applied"] is False and result["message"] == "refused by the editor (stale)"
    assert refused_version(editor) == 3 and editor.texts[uri] == text + TYPED

    undo(editor, uri, text)  # version 5
    result = await generate()
    assert result == {"documented": 1, "applied": True, "message": ""}
    corpus.single_change(editor.applied[0], uri, version=5)
