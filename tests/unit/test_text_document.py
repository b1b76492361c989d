"""The one private pygls hook (`adopt`): every document the workspace makes is a QwenDocument.

If pygls stops building its documents through `Workspace._create_text_document`, these fail:
the server would then fall back to pygls's own (slower, second-copy) documents unnoticed.
"""

import pytest
from lsprotocol.types import (
    Position,
    Range,
    TextDocumentContentChangePartial,
    TextDocumentContentChangeWholeDocument,
    TextDocumentItem,
    VersionedTextDocumentIdentifier,
)
from pygls.workspace import Workspace

from qwen_lsp.lsp.text_document import QwenDocument, adopt

pytestmark = pytest.mark.unit

URI = "file:///w/app.py"


@pytest.fixture
def workspace() -> Workspace:
    workspace = Workspace("file:///w")
    adopt(workspace)
    workspace.put_text_document(
        TextDocumentItem(uri=URI, language_id="python", version=1, text="x = 1\n")
    )
    return workspace


def test_an_opened_document_is_ours_with_its_syntax_tree(workspace: Workspace):
    doc = workspace.get_text_document(URI)
    assert isinstance(doc, QwenDocument)
    assert doc.syntax is not None and doc.syntax.tree is not None
    assert (doc.source, doc.version, doc.language_id) == ("x = 1\n", 1, "python")


def test_a_document_never_opened_is_ours_and_read_from_disk(workspace: Workspace, tmp_path):
    path = tmp_path / "disk.py"
    path.write_text("y = 2\n")
    doc = workspace.get_text_document(path.as_uri())
    assert isinstance(doc, QwenDocument) and doc.syntax is None
    assert doc.source == "y = 2\n"


def test_the_workspace_edits_our_copy_of_the_text(workspace: Workspace):
    edit = TextDocumentContentChangePartial(range=Range(Position(0, 4), Position(0, 5)), text="42")
    workspace.update_text_document(VersionedTextDocumentIdentifier(uri=URI, version=2), edit)
    doc = workspace.get_text_document(URI)
    assert isinstance(doc, QwenDocument) and doc.syntax is not None
    assert (doc.syntax.text, doc.source, doc.version) == ("x = 42\n", "x = 42\n", 2)
    whole = TextDocumentContentChangeWholeDocument(text="z = 3\n")
    workspace.update_text_document(VersionedTextDocumentIdentifier(uri=URI, version=3), whole)
    assert (doc.syntax.text, doc.lines) == ("z = 3\n", ("z = 3\n",))
