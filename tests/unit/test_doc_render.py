"""Doc text → edit per language convention: markers, indentation, hostile text."""

from __future__ import annotations

import pytest

from qwen_lsp.engine import definitions, syntax
from qwen_lsp.engine.doc_render import convention, render_doc
from qwen_lsp.engine.save_tracker import targets
from qwen_lsp.engine.tool_edits import apply_edits

try:
    from .doc_samples import CASES, PY
except ImportError:  # run from tests/unit directly
    from doc_samples import CASES, PY  # type: ignore[no-redef]

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_python_docstring_insertion(style: str) -> None:
    d = definitions.find("python", PY, "area")
    assert d is not None
    text = {
        "google": "Area.\n\nArgs:\n    w: width.",
        "numpy": "Area.\n\nParameters\n----------\nw : int",
        "sphinx": "Area.\n\n:param w: width.",
    }[style]
    edit = render_doc("python", d, f'"""{text}"""')  # quotes the model added are dropped
    assert edit is not None
    out = apply_edits(PY, [edit])
    assert f'def area(w, h):\n    """Area.\n\n    {text.split(chr(10))[2]}' in out
    assert '    """\n    # the product\n' in out
    assert syntax.parses_cleanly("python", out)
    assert definitions.find("python", out, "area").documented  # type: ignore[union-attr]
    assert "Google" in convention("python") and "NumPy" in convention("python", "numpy")


def test_existing_docstring_is_replaced() -> None:
    d = definitions.find("python", PY, "Shape")
    edit = render_doc("python", d, "A better shape.")  # type: ignore[arg-type]
    out = apply_edits(PY, [edit])  # type: ignore[list-item]
    assert 'class Shape:\n    """A better shape."""\n\n    def grow' in out


def test_hostile_docstring_text_stays_inside_the_docstring() -> None:
    d = definitions.find("python", PY, "area")
    edit = render_doc("python", d, 'Ends early """\nimport os; os.remove("x")')  # type: ignore[arg-type]
    out = apply_edits(PY, [edit])  # type: ignore[list-item]
    assert syntax.parses_cleanly("python", out)
    tree_defs = definitions.definitions("python", out)
    assert [x.qualname for x in tree_defs] == ["area", "Shape", "Shape.grow"]
    assert render_doc("python", d, '  """  """ ') is None  # type: ignore[arg-type]


@pytest.mark.parametrize("language", list(CASES))
def test_other_languages(language: str) -> None:
    source, undocumented, (name, expected) = CASES[language]
    found = {d.qualname for d in targets(language, source, None)}
    assert found == undocumented
    d = definitions.find(language, source, name)
    assert d is not None
    edit = render_doc(language, d, "/** Opens it.\n * @param x the lid */")
    out = apply_edits(source, [edit])  # type: ignore[list-item]
    assert expected in out
    assert syntax.parses_cleanly(language, out)
    assert definitions.find(language, out, name).documented  # type: ignore[union-attr]
