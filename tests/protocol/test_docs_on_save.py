"""Documentation on save.

Scripted-model tests run the real handlers in-process with chosen tool calls (placement,
indentation, versions, queueing); stdio tests run the real server and worker with the
random-weight model (no model call when nothing needs docs, default off, retries) and, when it
is built, the trained test model.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pytest_lsp import LanguageClient

from qwen_lsp import messages as m
from qwen_lsp.engine import definitions, syntax

from . import corpus
from .editor import Editor, apply_text_edits
from .lsp_helpers import SERVER, start_session, stats, wait_for_worker
from .scripted import Harness

pytestmark = pytest.mark.protocol

ON = {"docs": {"onSave": True}}

PY = '''import math


class Circle:
    """A circle."""

    def __init__(self, r):
        self.r = r


def old_helper(x):
    return x
'''
PY_ADDED = PY.replace(
    "        self.r = r\n",
    "        self.r = r\n\n    def area(self):\n        return math.pi * self.r ** 2\n",
)
# Per language: the source at open, the source at save, and what must appear after the save.
LANGUAGES = {
    "python": (
        PY,
        PY_ADDED,
        '    def area(self):\n        """Describe Circle.area.\n\n        More.\n        """\n'
        "        return math.pi",
    ),
    "javascript": (
        "/** Old. */\nfunction old() {}\n\nclass Box {\n}\n",
        "/** Old. */\nfunction old() {}\n\nclass Box {\n  open(lid) {\n    return lid;\n  }\n}\n",
        "class Box {\n  /**\n   * Describe Box.open.\n   *\n   * More.\n   */\n  open(lid) {",
    ),
    "typescript": (
        "export const x = 1;\n",
        "export const x = 1;\n\nexport function twice(n: number): number {\n  return 2 * n;\n}\n",
        "\n/**\n * Describe twice.\n *\n * More.\n */\nexport function twice(n: number)",
    ),
    "rust": (
        "fn main() {}\n",
        "/// Main.\nfn main() {}\n\n#[inline]\npub fn twice(n: i32) -> i32 {\n    2 * n\n}\n",
        "/// Describe twice.\n///\n/// More.\n#[inline]\npub fn twice",
    ),
    "go": (
        "package geo\n",
        "package geo\n\nfunc Twice(n int) int {\n\treturn 2 * n\n}\n",
        "// Twice describe Twice.\n//\n// More.\nfunc Twice(n int) int {",
    ),
    "lua": (
        "local M = {}\nreturn M\n",
        "local M = {}\n\nfunction M.twice(n)\n  return 2 * n\nend\n\nreturn M\n",
        "--- Describe twice.\n---\n--- More.\nfunction M.twice(n)",
    ),
}

CHANGED = {
    "python": "Circle.area",
    "javascript": "Box.open",
    "typescript": "twice",
    "rust": "twice",
    "go": "Twice",
    "lua": "twice",
}


def _uri(language: str) -> str:
    ext = {"python": "py", "javascript": "js", "typescript": "ts", "rust": "rs", "go": "go"}
    return f"file:///work/demo/sample.{ext.get(language, language)}"


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_save_documents_changed_definitions_in_place(language: str):
    opened, saved, expected = LANGUAGES[language]
    h = Harness(ON)
    uri = _uri(language)
    h.open(uri, opened, language)
    h.type_text(uri, saved)
    await h.save(uri)
    assert len(h.applied) == 1, h.messages
    text = h.text(uri)
    assert expected in text
    assert syntax.parses_cleanly(language, text)
    change = h.applied[0].document_changes[0]  # type: ignore[index]
    assert change.text_document.version == 2  # type: ignore[union-attr]
    if language == "python":  # only the changed region: old_helper stays as it was
        assert len(h.backend.requests) == 1
        assert "def old_helper(x):\n    return x" in text


async def test_off_by_default_and_nothing_to_do_makes_no_model_call():
    h = Harness({})
    uri = _uri("python")
    h.open(uri, PY, "python")
    h.type_text(uri, PY_ADDED)
    await h.save(uri)
    assert h.backend.requests == [] and h.applied == []
    on = Harness(ON)
    on.open(uri, PY, "python")
    await on.save(uri)  # unchanged since open (old_helper is undocumented but untouched)
    on.type_text(uri, PY.replace("self.r = r", "self.r = abs(r)"))  # a documented body
    await on.save(uri)
    assert on.backend.requests == [] and on.applied == []


async def test_typing_between_save_and_edit_drops_the_edit_and_retries_next_save():
    h = Harness(ON)
    uri = _uri("python")
    h.open(uri, PY, "python")
    h.type_text(uri, PY_ADDED)
    typed = PY_ADDED + "\nprint(Circle(2).area())\n"

    async def user_types(chat):
        if len(h.backend.requests) == 1:
            h.type_text(uri, typed)

    h.backend.before_answer = user_types
    await h.save(uri)
    assert h.applied == [] and h.text(uri) == typed  # nothing lost, nothing applied
    await h.save(uri)  # the owed definition is retried against the new saved version
    assert len(h.applied) == 1 and '"""Describe Circle.area.' in h.text(uri)
    assert h.text(uri).endswith("print(Circle(2).area())\n")


async def test_client_refusing_a_stale_edit_keeps_the_definition_owed():
    h = Harness(ON)
    uri = _uri("python")
    h.open(uri, PY, "python")
    h.type_text(uri, PY_ADDED)
    real_apply = h._apply

    async def type_then_apply(params):  # the user typed while the edit was on the wire
        h.type_text(uri, h.text(uri) + "# typed\n")
        return await real_apply(params)

    h.ls.workspace_apply_edit_async = type_then_apply  # type: ignore[method-assign]
    await h.save(uri)
    assert h.applied == [] and len(h.refused) == 1 and h.text(uri).endswith("# typed\n")
    h.ls.workspace_apply_edit_async = real_apply  # type: ignore[method-assign]
    await h.save(uri)
    assert len(h.applied) == 1 and h.text(uri).endswith("# typed\n")


async def test_rapid_saves_share_one_queue():
    h = Harness(ON)
    uri = _uri("python")
    h.open(uri, PY, "python")
    h.type_text(uri, PY_ADDED)
    features = h.features[types.TEXT_DOCUMENT_DID_SAVE]
    for _ in range(5):
        features(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
    await h.settle()
    # One run documents `area`; at most one more waited behind it and found nothing to do.
    assert len(h.backend.requests) == 1 and len(h.applied) == 1


async def test_generate_docs_command_documents_the_whole_file_with_a_cap():
    h = Harness({"docs": {"maxPerSave": 1}})  # the command works with onSave off
    uri = _uri("python")
    h.open(uri, PY_ADDED, "python")
    result = await h.command("qwen.generateDocs", uri)
    assert result == {"documented": 1, "applied": True, "message": ""}
    result = await h.command("qwen.generateDocs", {"uri": uri})
    assert result["documented"] == 1
    text = h.text(uri)
    assert '"""Describe Circle.area.' in text and '"""Describe old_helper.' in text
    assert (await h.command("qwen.generateDocs", uri))["message"] == "nothing to document"
    assert len(h.backend.requests) == 2


async def test_bad_tool_call_gives_no_edit():
    h = Harness(ON)
    uri = _uri("python")
    h.open(uri, PY, "python")
    h.type_text(uri, PY_ADDED)
    # The model tries to rewrite line 1 instead of documenting: refused, nothing applied.
    call = m.ToolCall("replace_lines", {"start_line": 1, "end_line": 1, "new_text": "import os"})
    h.backend.answer = lambda chat: m.Done(chat.id, "", "stop", tool_calls=[call])
    await h.save(uri)
    assert h.applied == [] and h.text(uri) == PY_ADDED
    assert h.backend.requests and "not an offered tool" in str(h.messages or "not an offered tool")


# --- the real server and worker -----------------------------------------------------------------


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    await start_session(lsp_client, {"model": str(tiny_model), **ON, "actions": {"maxTokens": 16}})
    await wait_for_worker(lsp_client)
    lsp_client.editor = Editor(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def saved_and_settled(client: LanguageClient, editor: Editor, uri: str) -> int:
    """Save, wait for the documentation run to finish (it logs a line), give model_calls."""
    runs = len(_runs(client))
    editor.save(uri)
    for _ in range(300):
        if len(_runs(client)) > runs:
            return (await stats(client))["model_calls"]
        await asyncio.sleep(0.05)
    raise AssertionError("the documentation run never finished")


def _runs(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.message.startswith("qwen-lsp docs:")]


async def test_real_server_save(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri = _uri("python")
    documented = PY.replace("def old_helper(x):\n", 'def old_helper(x):\n    """Old."""\n')
    editor.open(uri, documented)
    # Unchanged and fully documented, then changed but still fully documented: no model call.
    assert await saved_and_settled(client, editor, uri) == 0
    editor.replace_all(uri, documented.replace("return x", "return x + 1"))
    assert await saved_and_settled(client, editor, uri) == 0
    assert _runs(client)[-1].endswith("nothing to document")

    # `area` is new and undocumented: the random model is asked and writes nothing...
    editor.replace_all(
        uri, PY_ADDED.replace("def old_helper(x):\n", 'def old_helper(x):\n    """Old."""\n')
    )
    first = await saved_and_settled(client, editor, uri)
    assert first >= 1 and editor.applied == []
    # ...so it is still owed and retried on the next save.
    assert await saved_and_settled(client, editor, uri) > first
    assert editor.applied == []


@pytest_lsp.fixture(config=SERVER)
async def trained_client(lsp_client: LanguageClient):
    model = trained_model_dir()
    await start_session(lsp_client, {"model": str(model), **ON, "actions": {"temperature": 0}})
    await wait_for_worker(lsp_client)
    lsp_client.editor = Editor(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


def _without(text: str, d: definitions.Definition) -> str:
    """The corpus file before its target function was written (and the blank lines after it)."""
    lines = text.split("\n")
    rest = lines[d.end_line + 1 :]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join([*lines[: d.start_line], *rest])


@pytest.mark.model
@pytest.mark.parametrize("language", list(corpus.TARGETS))
async def test_trained_model_save_documents_the_new_function(
    trained_client: LanguageClient, language: str
):
    """The user writes a corpus function and saves: one `workspace/applyEdit` against the saved
    version puts its documentation in the language's place (inside the body for Python, above
    the header otherwise), indented like it, and changes nothing else; the file still parses.
    Saving again makes no model call: nothing is owed."""
    client = trained_client
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d = corpus.definition(language)
    editor.open(uri, _without(text, d), language)
    editor.replace_all(uri, text)
    await saved_and_settled(client, editor, uri)
    assert len(editor.applied) == 1, _runs(client)
    (e,) = corpus.single_change(editor.applied[0], uri, version=2)
    assert e.range.start == e.range.end == types.Position(d.insert_line, 0)
    new_lines = e.new_text.split("\n")[:-1]
    assert new_lines and all(line.startswith(d.indent) for line in new_lines), e.new_text
    comment = {"python": '"""', "javascript": "/**", "go": f"// {d.name}"}[language]
    assert new_lines[0].strip().startswith(comment), e.new_text
    after = editor.texts[uri]
    assert after == apply_text_edits(text, [e]) and syntax.parses_cleanly(language, after)
    found = definitions.find(language, after, d.qualname)
    assert found is not None and found.documented
    calls = (await stats(client))["model_calls"]
    assert await saved_and_settled(client, editor, uri) == calls


async def test_read_definition_reaches_files_beside_the_document(tmp_path):
    """A read-only tool call in between: its result goes back as a tool message."""
    (tmp_path / "util.py").write_text("def helper(k):\n    return k * 2\n")
    h = Harness({}, root=str(tmp_path))
    uri = (tmp_path / "main.py").as_uri()
    h.open(uri, "from util import helper\n\n\ndef twice(n):\n    return helper(n)\n", "python")
    document = h.backend.answer

    def answer(chat: m.Chat) -> m.Done:
        if chat.messages[-1]["role"] == "user":
            call = m.ToolCall("read_definition", {"name": "helper"})
            return m.Done(chat.id, "Let me look.", "stop", tool_calls=[call])
        return document(chat)

    h.backend.answer = answer
    result = await h.command("qwen.generateDocs", uri)
    assert result["applied"] and len(h.backend.requests) == 2, (result, h.messages)
    tool_turn = h.backend.requests[1].messages[-1]
    assert tool_turn == {"role": "tool", "content": "util.py:1\ndef helper(k):\n    return k * 2"}
    assert '    """Describe twice.' in h.text(uri)


async def test_time_cap_keeps_what_was_written_and_owes_the_rest():
    h = Harness({"docs": {"timeoutS": 1}})
    uri = _uri("python")
    h.open(uri, PY_ADDED, "python")

    async def slow_second(chat: m.Chat) -> None:
        if len(h.backend.requests) == 2:
            await asyncio.sleep(30)  # cut by the cap, which cancels the request

    h.backend.before_answer = slow_second
    result = await h.command("qwen.generateDocs", uri)
    assert result == {"documented": 1, "applied": True, "message": ""}
    assert '"""Describe Circle.area.' in h.text(uri) and "Describe old_helper" not in h.text(uri)
    h.backend.before_answer = None
    await h.save(uri)  # onSave is off: the owed one waits for the next run
    assert "Describe old_helper" not in h.text(uri)
    assert (await h.command("qwen.generateDocs", uri))["documented"] == 1
    assert "Describe old_helper" in h.text(uri)
