"""Code actions with the trained test model: each action's edit applies cleanly to the version
it was listed on and leaves the file parseable; Refactor… and Explain do what they say."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from models import trained_model_dir
from pytest_lsp import LanguageClient

from qwen_lsp.engine import definitions, syntax

from . import corpus
from .action_helpers import GREEDY, corpus_actions
from .editor import Editor, apply_text_edits
from .lsp_helpers import SERVER, start_session, wait_for_worker

pytestmark = pytest.mark.protocol


@pytest_lsp.fixture(config=SERVER)
async def corpus_client(lsp_client: LanguageClient):
    """The trained model, with nothing open yet: each test opens the corpus file it acts on."""
    await start_session(lsp_client, {"model": str(trained_model_dir()), **GREEDY})
    await wait_for_worker(lsp_client)
    lsp_client.editor = Editor(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


# Each action on a function of each corpus language, as the trained model (greedy) answers it
# through the real server: an edit that applies to the listed version and leaves the file
# parseable. Over every definition of the corpus it makes such an edit for 76% of docstrings,
# 56% of fixes, 44% of refactorings and 95% of tests (scripts/bench_actions.py, BENCHMARKS.md);
# Refactor runs on functions it refactors (it misplaces the lines of the targets' refactoring).
EDIT_CASES = [
    (kind, language, *corpus.TARGETS[language])
    for kind in ("docstring", "fix", "tests")
    for language in corpus.TARGETS
]
REFACTOR_CASES = [
    ("python", "wordcount.py", "words"),
    ("javascript", "slug.js", "uniqueSlug"),
    ("go", "stack.go", "Push"),
]
EXPLAIN_CASES = [
    ("python", "wordcount.py", "main"),
    ("python", "temperature.py", "fahrenheit_to_celsius"),
    ("javascript", "slug.js", "uniqueSlug"),
]


@pytest.mark.model
@pytest.mark.parametrize("case", EDIT_CASES, ids="-".join)
async def test_trained_model_resolves_an_action(corpus_client: LanguageClient, case: tuple):
    kind, language, name, symbol = case
    client = corpus_client
    editor: Editor = client.editor  # type: ignore[attr-defined]
    problem = corpus.FIX_PROBLEMS[1] if kind == "fix" else ""
    uri, text, d, listed = await corpus_actions(client, language, name, symbol, problem)
    action = listed[kind]
    assert (action.data["start_line"], action.data["end_line"]) == (d.start_line, d.end_line)  # type: ignore[index]
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None, client.messages[-1].message if client.messages else ""
    changes = corpus.single_change(resolved.edit, uri)
    assert editor.apply(resolved.edit)
    after = editor.texts[uri]
    assert after == apply_text_edits(text, changes) and syntax.parses_cleanly(language, after)
    if kind == "tests":  # inserted right after the function; nothing else changes
        (e,) = changes
        assert e.range.start == e.range.end == types.Position(d.end_line + 1, 0)
        assert d.name in e.new_text and "test" in e.new_text.lower()
        n = e.new_text.count("\n")
        old, new = text.split("\n"), after.split("\n")
        assert new[: d.end_line + 1] == old[: d.end_line + 1]
        assert new[d.end_line + 1 + n :] == old[d.end_line + 1 :]
    elif kind == "docstring":  # right above the body (Python) or the header, indented like it
        (e,) = changes
        assert e.range.start == e.range.end == types.Position(d.insert_line, 0)
        assert all(x.startswith(d.indent) for x in e.new_text.split("\n")[:-1]), e.new_text
        found = definitions.find(language, after, d.name)
        assert found is not None and found.documented
    else:
        corpus.assert_edits_inside(changes, d, text, after)


@pytest.mark.model
@pytest.mark.parametrize("case", REFACTOR_CASES, ids="-".join)
async def test_trained_model_refactor(corpus_client: LanguageClient, case: tuple):
    language, name, symbol = case
    client = corpus_client
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d, listed = await corpus_actions(client, language, name, symbol)
    command = listed["refactor"].command
    assert command is not None and command.arguments
    assert command.arguments[0]["symbol"] == d.qualname
    args = [{**command.arguments[0], "instruction": corpus.REFACTOR_ASKS[0]}]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=args)
    )
    assert result == {"applied": True, "message": ""}, client.messages
    # The log says so even when the edit rewrites lines as they were (nothing visible changes).
    assert f"qwen-lsp refactor: {uri}: edit applied" in [m.message for m in client.log_messages]
    (edit,) = editor.applied
    after = editor.texts[uri]
    assert syntax.parses_cleanly(language, after)
    corpus.assert_edits_inside(corpus.single_change(edit, uri), d, text, after)


@pytest.mark.model
@pytest.mark.parametrize("case", EXPLAIN_CASES, ids=lambda c: "-".join(c))
async def test_trained_model_explains(corpus_client: LanguageClient, case: tuple):
    language, name, symbol = case
    client = corpus_client
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d, listed = await corpus_actions(client, language, name, symbol)
    command = listed["explain"].command
    assert command is not None
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result["uri"] is not None, client.messages
    assert result["markdown"].startswith(f"`{d.name}` is a function of `{name}`"), result
    assert editor.texts[uri] == text and editor.applied == []
