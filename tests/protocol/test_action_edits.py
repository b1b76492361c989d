"""What a well-formed tool call turns into (the real handlers in-process, a scripted model): a
clean edit on the version of the document it was computed for."""

from __future__ import annotations

import pytest
from lsprotocol import types

from qwen_lsp import messages as m
from qwen_lsp.engine import syntax

from .action_helpers import SOURCE, URI, scripted_actions
from .editor import apply_text_edits
from .scripted import Harness

GOOD = {
    "docstring": [m.ToolCall("set_docstring", {"symbol": "ring_area", "docstring": "Ring."})],
    "fix": [
        m.ToolCall(
            "replace_lines",
            {"start_line": 11, "end_line": 11, "new_text": "    return max(0, circle_area(outer))"},
        )
    ],
    "tests": [
        m.ToolCall(
            "insert_text",
            {"line": 12, "text": "\n\ndef test_ring():\n    assert ring_area(2, 1) > 0"},
        )
    ],
}


@pytest.mark.parametrize("kind", list(GOOD))
async def test_well_formed_tool_call_resolves_to_a_clean_versioned_edit(kind: str):
    h = Harness({})
    h.open(URI, SOURCE, "python")
    h.backend.answer = lambda chat: m.Done(chat.id, "", "stop", tool_calls=GOOD[kind])
    action = (await scripted_actions(h))[kind]
    resolved = await h.features[types.CODE_ACTION_RESOLVE](action)
    assert resolved.edit is not None, h.messages
    (change,) = resolved.edit.document_changes
    assert change.text_document.uri == URI and change.text_document.version == 1
    text = apply_text_edits(SOURCE, list(change.edits))
    assert syntax.parses_cleanly("python", text)
    assert text.startswith(SOURCE.split("def ring_area")[0])  # nothing above the target moved
    assert {"docstring": '"""Ring."""', "fix": "max(0", "tests": "def test_ring"}[kind] in text


async def test_a_document_closed_and_reopened_at_the_same_version_gets_no_edit():
    """Reopened while the model ran, the document is version 1 again but another text: the
    version number alone would let the edit land on it."""
    h = Harness({})
    h.open(URI, SOURCE, "python")
    h.backend.answer = lambda chat: m.Done(chat.id, "", "stop", tool_calls=GOOD["docstring"])
    reopened = "# rewritten on disk\n" + SOURCE

    async def user_reopens(chat: m.Chat) -> None:
        h.ls.workspace.remove_text_document(URI)
        h.open(URI, reopened, "python")

    h.backend.before_answer = user_reopens
    resolved = await h.features[types.CODE_ACTION_RESOLVE]((await scripted_actions(h))["docstring"])
    assert resolved.edit is None and h.version(URI) == 1 and h.text(URI) == reopened
    assert h.messages[-1] == "qwen-lsp: the document changed while Qwen worked; no edit was made."
