"""Tree-sitter layer: languages resolve, incremental edits match a fresh parse, errors count."""

from __future__ import annotations

import random
import time

import pytest

from qwen_lsp.engine import syntax

pytestmark = pytest.mark.unit

SAMPLES = {
    "python": "def greet(name):\n    return f'héllo {name} 👋'\n",
    "javascript": "function add(a, b) {\n  return a + b; // ünïcode\n}\n",
    "typescript": "const f = (x: number): string => `${x}€`;\n",
    "typescriptreact": "export const App = () => <div title='日本'>{1}</div>;\n",
    "rust": 'fn main() {\n    println!("{}", "ß");\n}\n',
    "go": 'package main\n\nfunc main() {\n\tprintln("😀")\n}\n',
    "lua": "local function f(x)\n  return x .. 'ü'\nend\n",
}


@pytest.mark.parametrize(
    ("path", "language_id", "expected"),
    [
        ("a/b.py", "", "python"),
        ("x.tsx", "", "typescriptreact"),
        ("x.ts", "typescript", "typescript"),
        ("x.jsx", "", "javascriptreact"),
        ("main.rs", "", "rust"),
        ("main.go", "go", "go"),
        ("init.lua", "", "lua"),
        ("notes.txt", "plaintext", "plaintext"),
        ("weird", "tsx", "typescriptreact"),
    ],
)
def test_language_from_path_or_id(path: str, language_id: str, expected: str) -> None:
    assert syntax.language_for(path, language_id) == expected


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_every_grammar_parses_clean_code(language: str) -> None:
    assert syntax.syntax_errors(language, SAMPLES[language]) == 0


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_errors_are_counted(language: str) -> None:
    broken = SAMPLES[language].replace("(", "((", 1)
    assert (syntax.syntax_errors(language, broken) or 0) > 0


def test_no_grammar_means_no_tree() -> None:
    doc = syntax.SyntaxDocument("plaintext", "hello\n")
    doc.replace(0, 0, "x")
    assert doc.tree is None and doc.text == "xhello\n"
    assert syntax.syntax_errors("plaintext", "((") is None


def _random_edits(text: str, rng: random.Random, count: int):
    pieces = ["x", "é", "😀", "日本", "\n", "(", ")", "  ", "return 1\n", "", "{", "}", "'"]
    for _ in range(count):
        start = rng.randint(0, len(text))
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5]))
        new = rng.choice(pieces)
        text = text[:start] + new + text[end:]
        yield start, end, new, text


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_incremental_edits_equal_fresh_parse(language: str) -> None:
    rng = random.Random(language)
    doc = syntax.SyntaxDocument(language, SAMPLES[language] * 3)
    for start, end, new, expected_text in _random_edits(doc.text, rng, 60):
        doc.replace(start, end, new)
        assert doc.text == expected_text
        fresh = syntax.parse(language, expected_text)
        assert fresh is not None
        assert doc.sexp() == str(fresh.root_node)


def test_typing_a_line_incrementally() -> None:
    doc = syntax.SyntaxDocument("python", "def f():\n    \n")
    line = "return 'ünï😀' + str(1)"
    for i, char in enumerate(line):
        doc.replace(13 + i, 13 + i, char)
    assert doc.text == f"def f():\n    {line}\n"
    assert doc.sexp() == str(syntax.parse("python", doc.text).root_node)  # type: ignore[union-attr]
    assert syntax.count_errors(doc.tree) == 0


def test_node_at_cursor() -> None:
    doc = syntax.SyntaxDocument("python", "x = 'é' + name\n")
    node = doc.node_at(doc.text.index("name") + 2)
    assert node is not None and node.type == "identifier"


# Random bytes on which the TSX grammar parses for minutes: the server must not hang on them.
PATHOLOGICAL_TSX = (
    ';z}b/),\n]] ,];\t[ c""", [=:=\\#fn 😀\n :yx/a)}éz--[[=<|fim_pad|>'
    'a,\\é:-fn }"\ny\néay  [--[[<|fim_pad|>/ c;[    c--[[[`]]\t;end \n'
    "`--[[`-c }}\t[<|fim_pad|>(\r\n:]😀z;]];)fn <|fim_pad|>\t}ac,[*='\n"
    'b(ac"""b(def " #.#(\r\nb.x)b\t-"""*}#]`b yendéé;"""😀'
)


def test_a_pathological_parse_gives_up_in_time() -> None:
    started = time.monotonic()
    doc = syntax.SyntaxDocument("typescriptreact", PATHOLOGICAL_TSX)
    doc.replace(0, 0, "x")
    assert syntax.syntax_errors("typescriptreact", PATHOLOGICAL_TSX, budget_s=0.05) is None
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("old", "new", "span"),
    [
        ("abc", "abc", (3, 3, 3)),
        ("abc", "abXc", (2, 2, 3)),
        ("abc", "ac", (1, 2, 1)),
        ("aaa", "aaaa", (3, 3, 4)),
        ("", "x", (0, 0, 1)),
        ("héllo 😀", "héllo 😀!", (7, 7, 8)),
    ],
)
def test_changed_span(old: str, new: str, span: tuple[int, int, int]) -> None:
    assert syntax.changed_span(old, new) == span
    start, old_end, new_end = span
    assert old[:start] + new[start:new_end] + old[old_end:] == new


def test_update_follows_whole_texts_incrementally() -> None:
    doc = syntax.SyntaxDocument("rust", SAMPLES["rust"])
    for text in ["fn main() {\n    let x = 1;\n}\n", "fn main() {\n    let x = 'é';\n}\n", ""]:
        doc.update(text)
        assert doc.text == text
        assert doc.sexp() == str(syntax.parse("rust", text).root_node)  # type: ignore[union-attr]


def test_language_of() -> None:
    assert (
        syntax.language_of("a.py") == "python" and syntax.language_of("x.TSX") == "typescriptreact"
    )
    assert syntax.language_of("Makefile") == "" and syntax.language_of(".bashrc") == ""
