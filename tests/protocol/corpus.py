"""The trained test model's corpus, opened the way its chat examples frame it.

The model (`make trained-model`) learned each code action on each definition of
tests/fixtures/corpus (scripts/tiny_model/chat_examples.py): the prompt names the file by its
basename, which is what the server sends for `file:///work/demo/<name>` under the test
workspace root `/work/demo`. It knows nothing else, so the trained-model protocol tests run
their actions on these files.
"""

from __future__ import annotations

from lsprotocol import types
from models import TRAINING_FILES

# The Fix diagnostics and Refactor instructions the chat examples use.
from tiny_model.chat_examples import FIX_PROBLEMS, REFACTOR_ASKS  # noqa: F401

from qwen_lsp.engine import definitions
from qwen_lsp.engine.grammars import language_for

# One top-level function per corpus language: its qualified name is its plain name, as the
# examples' prompts name it for every action.
TARGETS = {
    "python": ("wordcount.py", "top_words"),
    "javascript": ("slug.js", "uniqueSlug"),
    "go": ("stack.go", "Pop"),
}


def corpus_text(name: str) -> str:
    (path,) = [p for p in TRAINING_FILES if p.name == name]
    return path.read_text(encoding="utf-8")


def corpus_uri(name: str) -> str:
    return f"file:///work/demo/{name}"


def line_left_out(name: str, start: str) -> tuple[str, int]:
    """A corpus file with its first line that starts with `start` left empty (the cursor goes
    there: the trained model knows what it says), and that line's number."""
    lines = corpus_text(name).split("\n")
    row = next(i for i, line in enumerate(lines) if line.startswith(start))
    return "\n".join([*lines[:row], "", *lines[row + 1 :]]), row


def definition(
    language: str, name: str = "", symbol: str = ""
) -> tuple[str, str, definitions.Definition]:
    """(uri, text, definition) of `symbol` in corpus file `name` (default: the language's
    target function)."""
    if not name:
        name, symbol = TARGETS[language]
    text = corpus_text(name)
    assert language_for(name, "") == language
    found = definitions.find(language, text, symbol)
    assert found is not None and not found.documented
    return corpus_uri(name), text, found


def single_change(edit: types.WorkspaceEdit, uri: str, version: int = 1) -> list[types.TextEdit]:
    """The edits of a workspace edit that changes only `uri`, against exactly `version`."""
    assert not edit.changes, "edits must be versioned (documentChanges)"
    changes = edit.document_changes or []
    assert len(changes) == 1, changes
    (change,) = changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == uri
    assert change.text_document.version == version
    assert change.edits
    return [e for e in change.edits if isinstance(e, types.TextEdit)]


def assert_edits_inside(
    changes: list[types.TextEdit], d: definitions.Definition, before: str, after: str
) -> None:
    """Every edit lies inside `d` and the lines around it are as they were."""
    for e in changes:
        assert d.start_line <= e.range.start.line <= e.range.end.line <= d.end_line + 1, e
    assert_lines_kept(before, after, d.start_line, d.end_line)


def assert_lines_kept(before: str, after: str, first: int, last: int) -> None:
    """`after` differs from `before` only between lines first..last (0-based, inclusive, of
    `before`): the lines above and below are as they were."""
    old, new = before.split("\n"), after.split("\n")
    below = len(old) - last - 1
    assert new[:first] == old[:first], "a line above the target changed"
    assert new[len(new) - below :] == old[last + 1 :], "a line below the target changed"
