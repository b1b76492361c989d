"""Shape decisions: one line or a block, per golden case and per setting."""

from __future__ import annotations

import pytest

from qwen_lsp.engine import syntax
from qwen_lsp.engine.shape import decide_shape

try:  # tests/unit may or may not be a package
    from .golden_cases import Case, load_cases
except ImportError:
    from golden_cases import Case, load_cases  # type: ignore[no-redef]

pytestmark = pytest.mark.unit

CASES = load_cases()


def _shape(case: Case, mode: str = "auto", with_tree: bool = True):
    before, after = case.text[: case.offset], case.text[case.offset :]
    doc = syntax.SyntaxDocument(case.language, case.text) if with_tree else None
    return decide_shape(before, after, case.language, mode, doc)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_shape(case: Case) -> None:
    shape = _shape(case)
    assert ("multi" if shape.multiline else "single") == case.shape, shape.reason


@pytest.mark.parametrize("mode", ["always", "never"])
def test_setting_overrides_the_syntax(mode: str) -> None:
    for case in CASES[:5]:
        assert _shape(case, mode).multiline is (mode == "always")


@pytest.mark.parametrize(
    ("before", "after", "language", "multiline"),
    [
        ("if ready:", "\n", "python", True),
        ("x = {'a':", "\n", "python", False),  # a dict value, not a block
        ("fn main() {", "\n}", "rust", True),
        ("const f = () =>", "\n", "javascript", True),
        ("if ok then", "\nend", "lua", True),
        ("for i = 1, 10 do", "\nend", "lua", True),
        ("local t = setmetatable({}, {", "\n", "lua", False),
        ("notes: ", "\n", "plaintext", False),
        ("", "\n", "plaintext", True),
    ],
)
def test_block_openers(before: str, after: str, language: str, multiline: bool) -> None:
    assert decide_shape(before, after, language).multiline is multiline


def test_no_grammar_falls_back_to_line_heuristics() -> None:
    before, after = "    total = 0\n    ", "\n    return total\n"
    shape = decide_shape(before, after, "cobol", "auto", syntax.SyntaxDocument("cobol", ""))
    assert shape.multiline and shape.reason == "new line in a block"
    assert not decide_shape("x = compute(", ")\n", "cobol").multiline


def test_typing_in_a_line_needs_no_parse() -> None:
    """A keystroke in the middle or at the end of a statement is one line whatever the tree
    says: the edited document is not parsed for it (the parse is the keystroke's dearest part)."""
    text = "def f(x):\n    return x\n\n\n"
    doc = syntax.SyntaxDocument("python", text)
    typed, line = "total = scale(x, 2)", 3
    for column, char in enumerate(typed):
        doc.edit(line, column, line, column, char)
        offset = doc.line_start(line) + column + 1
        shape = decide_shape(doc.text[:offset], doc.text[offset:], "python", "auto", doc)
        assert not shape.multiline
    assert doc.incremental_parses == 0
    # A block is asked of the tree: an empty line inside a string stays one line.
    doc.edit(line, len(typed), line, len(typed), ' + """\n\n"""')
    offset = doc.line_start(line + 1)
    shape = decide_shape(doc.text[:offset], doc.text[offset:], "python", "auto", doc)
    assert not shape.multiline and shape.reason == "inside a comment or string"
    assert doc.incremental_parses == 1


def test_typing_code_and_an_enter_needs_no_parse_and_still_sees_strings() -> None:
    """Keystrokes without quotes, comment or escape marks open and close no string: the
    edited tree of the last parse tells a string from code without parsing again."""
    text = 'def f(x):\n    s = """doc\n\n"""\n    return x\n'
    doc = syntax.SyntaxDocument("python", text)

    def multiline(offset: int) -> bool:
        return decide_shape(doc.text[:offset], doc.text[offset:], "python", "auto", doc).multiline

    typed, at = "\n    if x:\n        ", text.index("    return x") - 1
    for i, char in enumerate(typed):  # a block opened in code, on new lines
        doc.replace(at + i, at + i, char)
        assert multiline(at + i + 1) is (typed[: i + 1].rstrip(" ")[-1] in ":\n")
    for column in range(4):  # spaces on the empty line inside the string: one line
        doc.edit(2, column, 2, column, " ")
        assert not multiline(doc.line_start(2) + column + 1)
    assert doc.incremental_parses == 0
    doc.edit(2, 4, 2, 4, '"""')  # a quote: the tree is parsed again
    assert multiline(doc.line_start(3))
    assert doc.incremental_parses == 1
