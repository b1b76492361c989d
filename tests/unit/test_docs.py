"""Documentation targets per language convention, changed regions, and doc rendering."""

from __future__ import annotations

import pytest

from qwen_lsp.engine import docs
from qwen_lsp.engine.tool_edits import apply_edits

pytestmark = pytest.mark.unit

PY = '''import os


@cache
def area(w, h):
    # the product
    return w * h


class Shape:
    """A shape."""

    def grow(self, k):
        return k

    def short(self): return 1
'''

CASES = {
    "javascript": (
        "/** Adds. */\nexport function add(a, b) {\n  return a + b;\n}\n\n"
        "class Box {\n  open(x) {\n    return x;\n  }\n}\n",
        {"Box", "Box.open"},
        ("open", "  /**\n   * Opens it.\n   * @param x the lid\n   */\n  open(x) {"),
    ),
    "typescript": (
        "export function twice(n: number): number {\n  return 2 * n;\n}\n"
        "interface Point { x: number }\n"
        "export const half = async (n: number): Promise<number> => n / 2;\nconst k = 2;\n",
        {"twice", "Point", "half"},
        ("twice", "/**\n * Opens it.\n * @param x the lid\n */\nexport function twice"),
    ),
    "rust": (
        "/// Documented.\nfn done() {}\n\n#[derive(Debug)]\nstruct Point {\n    x: i32,\n}\n\n"
        "impl Point {\n    fn norm(&self) -> i32 {\n        self.x\n    }\n}\n",
        {"Point", "norm"},
        ("Point", "/// Opens it.\n/// @param x the lid\n#[derive(Debug)]\nstruct Point"),
    ),
    "go": (
        "package geo\n\n// Area is documented.\nfunc Area() int { return 1 }\n\n"
        "func (p Point) Norm() int {\n\treturn p.X\n}\n",
        {"Norm"},
        ("Norm", "// Norm opens it.\n// @param x the lid\nfunc (p Point) Norm"),
    ),
    "lua": (
        "--- Documented.\nlocal function done() end\n\nfunction M.norm(p)\n  return p.x\nend\n",
        {"norm"},
        ("norm", "--- Opens it.\n--- @param x the lid\nfunction M.norm(p)"),
    ),
}


def test_python_definitions() -> None:
    found = {d.qualname: d for d in docs.definitions("python", PY)}
    # `short` has its body on the def line: no line to hold a docstring, so not a target.
    assert set(found) == {"area", "Shape", "Shape.grow"}
    assert found["Shape"].documented and not found["area"].documented
    assert found["area"].start_line == 3  # the decorator belongs to it
    assert (found["area"].insert_line, found["area"].indent) == (5, "    ")
    assert found["Shape.grow"].indent == "        "


@pytest.mark.parametrize("style", ["google", "numpy", "sphinx"])
def test_python_docstring_insertion(style: str) -> None:
    d = docs.find("python", PY, "area")
    assert d is not None
    text = {
        "google": "Area.\n\nArgs:\n    w: width.",
        "numpy": "Area.\n\nParameters\n----------\nw : int",
        "sphinx": "Area.\n\n:param w: width.",
    }[style]
    edit = docs.render_doc("python", d, f'"""{text}"""')  # quotes the model added are dropped
    assert edit is not None
    out = apply_edits(PY, [edit])
    assert f'def area(w, h):\n    """Area.\n\n    {text.split(chr(10))[2]}' in out
    assert '    """\n    # the product\n' in out
    assert docs.parses_cleanly("python", out)
    assert docs.find("python", out, "area").documented  # type: ignore[union-attr]
    assert "Google" in docs.convention("python") and "NumPy" in docs.convention("python", "numpy")


def test_existing_docstring_is_replaced() -> None:
    d = docs.find("python", PY, "Shape")
    edit = docs.render_doc("python", d, "A better shape.")  # type: ignore[arg-type]
    out = apply_edits(PY, [edit])  # type: ignore[list-item]
    assert 'class Shape:\n    """A better shape."""\n\n    def grow' in out


def test_hostile_docstring_text_stays_inside_the_docstring() -> None:
    d = docs.find("python", PY, "area")
    edit = docs.render_doc("python", d, 'Ends early """\nimport os; os.remove("x")')  # type: ignore[arg-type]
    out = apply_edits(PY, [edit])  # type: ignore[list-item]
    assert docs.parses_cleanly("python", out)
    tree_defs = docs.definitions("python", out)
    assert [x.qualname for x in tree_defs] == ["area", "Shape", "Shape.grow"]
    assert docs.render_doc("python", d, '  """  """ ') is None  # type: ignore[arg-type]


@pytest.mark.parametrize("language", list(CASES))
def test_other_languages(language: str) -> None:
    source, undocumented, (name, expected) = CASES[language]
    found = {d.qualname for d in docs.targets(language, source, None)}
    assert found == undocumented
    d = docs.find(language, source, name)
    assert d is not None
    edit = docs.render_doc(language, d, "/** Opens it.\n * @param x the lid */")
    out = apply_edits(source, [edit])  # type: ignore[list-item]
    assert expected in out
    assert docs.parses_cleanly(language, out)
    assert docs.find(language, out, name).documented  # type: ignore[union-attr]


def test_changed_regions_and_targets() -> None:
    old = PY
    new = PY.replace("        return k", "        return k * 2")
    regions = docs.changed_lines(old, new)
    assert regions == [(13, 13)]
    assert [d.qualname for d in docs.targets("python", new, regions)] == ["Shape.grow"]
    assert docs.changed_lines(PY, PY) == []
    assert docs.targets("python", PY, []) == []
    # A definition left over from an earlier save is still a target.
    assert [d.qualname for d in docs.targets("python", PY, [], pending=["area"])] == ["area"]
    assert len(docs.targets("python", PY, None, limit=1)) == 1


def test_unsupported_language_has_no_targets() -> None:
    assert docs.definitions("cobol", "IDENTIFICATION DIVISION.") == []
    assert docs.enclosing("python", PY, 0) is None
    assert docs.enclosing("python", PY, 13).qualname == "Shape.grow"  # type: ignore[union-attr]


def test_save_tracker() -> None:
    t = docs.SaveTracker()
    t.opened("u", PY)
    assert t.plan("u", "python", PY, limit=8) == []  # unchanged since open: no work
    edited = PY.replace("        return k", "        return k * 2")
    got = t.plan("u", "python", edited, limit=8)
    assert [d.qualname for d in got] == ["Shape.grow"]
    # Not applied (the user typed): still owed at the next save, even with no new change.
    assert [d.qualname for d in t.plan("u", "python", edited, limit=8)] == ["Shape.grow"]
    t.done("u", ["Shape.grow"])
    assert t.plan("u", "python", edited, limit=8) == []
    # The whole-file command, capped: what is left stays owed for later saves.
    assert [d.qualname for d in t.plan_all("u", "python", edited, limit=1)] == ["area"]
    assert t.owed("u") == {"area", "Shape.grow"}
    t.closed("u")
    assert t.owed("u") == set()


def test_merge_edits_leaves_out_colliding_definitions() -> None:
    a = docs.LineEdit(3, 3, "a\n")
    b = docs.LineEdit(3, 3, "b\n")
    c = docs.LineEdit(1, 2, "c\n")
    edits, names = docs.merge_edits([("A", [a]), ("B", [b]), ("C", [c])])
    assert names == ["A", "C"] and edits == [c, a]


def test_language_of() -> None:
    assert docs.language_of("a.py") == "python" and docs.language_of("x.TSX") == "typescriptreact"
    assert docs.language_of("Makefile") == "" and docs.language_of(".bashrc") == ""
