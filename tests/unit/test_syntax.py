"""Tree-sitter layer: languages resolve, incremental edits match a fresh parse, errors count."""

from __future__ import annotations

import random
import time
import tracemalloc

import pytest

from qwen_lsp.engine import grammars, syntax

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
    assert grammars.language_for(path, language_id) == expected


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
    assert (doc.full_parses, doc.incremental_parses) == (1, 60)  # one parse per edit, none whole


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
    # Budgets count parsing work, not wall time: CPU time is what they bound, on any load.
    started = time.process_time()
    doc = syntax.SyntaxDocument("typescriptreact", PATHOLOGICAL_TSX)
    doc.replace(0, 0, "x")
    assert syntax.syntax_errors("typescriptreact", PATHOLOGICAL_TSX, budget_s=0.05) is None
    assert time.process_time() - started < 3.0


def test_the_parse_budget_does_not_depend_on_the_machine_load() -> None:
    """The same text gets the same tree (or none) however slow the machine is: a budget of
    progress steps, not a wall-clock deadline."""
    import threading

    text = "def f(x):\n    return x\n" * 400
    quiet = syntax.parse("python", text)
    stop = threading.Event()
    busy = [threading.Thread(target=lambda: [0 for _ in iter(stop.is_set, True)]) for _ in range(4)]
    for thread in busy:
        thread.start()
    try:
        loaded = [syntax.parse("python", text) for _ in range(5)]
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    assert quiet is not None
    assert all(tree is not None and str(tree.root_node) == str(quiet.root_node) for tree in loaded)


def _lsp_range(text: str, start: int, end: int) -> tuple[int, int, int, int]:
    """(row, column, row, column) in code points, as an LSP change range."""
    rows = [text.count("\n", 0, at) for at in (start, end)]
    cols = [at - (text.rfind("\n", 0, at) + 1) for at in (start, end)]
    return rows[0], cols[0], rows[1], cols[1]


@pytest.mark.parametrize("language", ["python", "rust", "typescriptreact"])
def test_lsp_range_edits_equal_a_fresh_parse_with_one_parse_per_look(language: str) -> None:
    rng = random.Random(f"lsp-{language}")
    text = (SAMPLES[language] + "\r\n") * 4
    doc = syntax.SyntaxDocument(language, text)
    looks = 0
    for step, (start, end, new, expected) in enumerate(_random_edits(text, rng, 80)):
        doc.edit(*_lsp_range(doc.text, start, end), new)
        assert doc.text == expected
        if step % 3 == 0:  # the tree is asked for now and then: edits between cost no parse
            looks += 1
            assert doc.sexp() == str(syntax.parse(language, expected).root_node)  # type: ignore[union-attr]
        for row in {0, doc.line_count - 1, rng.randrange(doc.line_count)}:
            lines = expected.split("\n")
            assert doc.line(row) == lines[row]
            assert doc.line_start(row) == sum(len(line) + 1 for line in lines[:row])
    assert (doc.full_parses, doc.incremental_parses) == (1, looks)


def test_a_range_past_the_end_is_clamped_to_the_text() -> None:
    doc = syntax.SyntaxDocument("python", "x = 1\n")
    doc.edit(1, 0, 9, 9, "y = 2\n")
    doc.edit(0, 99, 0, 99, "  # one")
    assert doc.text == "x = 1  # one\ny = 2\n"


def test_a_first_parse_over_budget_is_not_redone_per_keystroke() -> None:
    big = "def f(x):\n    return [x, (x, {x: x})]\n" * 4000
    doc = syntax.SyntaxDocument("python", big, budget_s=0.0)
    assert doc.tree is None and doc.gave_up and doc.full_parses == 1
    for i, char in enumerate("y = f(2)"):
        doc.edit(4000 * 2, i, 4000 * 2, i, char)
        assert doc.tree is None and doc.node_at(len(doc.text) - 1) is None
    assert (doc.full_parses, doc.incremental_parses) == (1, 0)
    assert doc.text.endswith("y = f(2)")
    doc.budget_s = 30.0
    doc.retry()  # on save: one more try, which succeeds with time to spare
    assert doc.tree is not None and syntax.count_errors(doc.tree) == 0
    assert doc.full_parses == 2


def test_typing_along_a_big_file_parses_incrementally() -> None:
    lines = [f"def f{i}(x):\n    return x + {i}\n" for i in range(2500)]
    doc = syntax.SyntaxDocument("python", "".join(lines))
    row = 2 * 1200 + 1
    end = len(doc.line(row))
    for i, char in enumerate(" * 2"):
        doc.edit(row, end + i, row, end + i, char)
        assert doc.node_at(doc.line_start(row) + 4) is not None
    assert (doc.full_parses, doc.incremental_parses) == (1, 4)
    assert doc.line(row) == "    return x + 1200 * 2"
    assert doc.sexp() == str(syntax.parse("python", doc.text).root_node)  # type: ignore[union-attr]


def test_language_of() -> None:
    assert (
        grammars.language_of("a.py") == "python"
        and grammars.language_of("x.TSX") == "typescriptreact"
    )
    assert grammars.language_of("Makefile") == "" and grammars.language_of(".bashrc") == ""


def test_a_snapshot_is_parsed_in_another_thread_as_a_fresh_parse() -> None:
    from concurrent.futures import ThreadPoolExecutor

    lines = [f"def f{i}(x):\n    return x + {i}\n" for i in range(500)]
    doc = syntax.SyntaxDocument("python", "".join(lines))
    doc.edit(3, 0, 3, 0, "    y = 2\n")
    text, tree, edited = doc.snapshot()
    assert edited and text == doc.text
    with ThreadPoolExecutor(1) as thread:
        parsed = thread.submit(syntax.tree_of, "python", text, tree, edited).result()
    assert parsed is not None
    assert str(parsed.root_node) == str(syntax.parse("python", text).root_node)  # type: ignore[union-attr]
    assert (doc.full_parses, doc.incremental_parses) == (1, 0)  # the document's own: untouched
    assert doc.sexp() == str(parsed.root_node)


def test_a_lazy_document_takes_the_tree_made_in_a_thread_when_unchanged() -> None:
    text = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(300))
    doc = syntax.SyntaxDocument("python", text, lazy=True)
    snapshot = doc.snapshot()
    assert snapshot[1:] == (None, True) and doc.full_parses == 0  # nothing parsed at open
    doc.adopt(snapshot[0], syntax.tree_of("python", *snapshot))
    assert doc.full_parses == 0 and doc.sexp() == str(syntax.parse("python", text).root_node)  # type: ignore[union-attr]
    changed = syntax.SyntaxDocument("python", text, lazy=True)
    late = changed.snapshot()
    for i, char in enumerate("# edited\n"):  # keystrokes came before the thread's tree
        changed.edit(i // 9, i % 9, i // 9, i % 9, char)
    changed.adopt(late[0], syntax.tree_of("python", *late))  # brought up to date with them
    assert changed.node_at(0, literals=True).type == "comment"  # type: ignore[union-attr]
    assert changed.incremental_parses == 1  # `#` may open a comment: parsed to tell
    spaced = syntax.SyntaxDocument("python", text, lazy=True)
    late = spaced.snapshot()
    spaced.edit(0, 0, 0, 0, "  ")  # no quote, comment or escape mark: the edited tree tells
    spaced.adopt(late[0], syntax.tree_of("python", *late))
    assert spaced.node_at(7, literals=True).type == "identifier"  # type: ignore[union-attr]
    assert spaced.incremental_parses == 0
    assert (changed.full_parses, changed.incremental_parses) == (0, 1)
    assert changed.sexp() == str(syntax.parse("python", changed.text).root_node)  # type: ignore[union-attr]


def test_incremental_parses_do_not_leak_the_chunks_they_read() -> None:
    # py-tree-sitter keeps one reference to each object the read callback returns: 12 KB of
    # chunks per incremental parse when each was a new bytes (~2 MB over the 200 parses measured).
    text = "".join(f"def f{i}(x):\n    return x + {i}  # ü\n" for i in range(400))
    doc = syntax.SyntaxDocument("python", text)
    middle = doc.line_count // 2
    tracemalloc.start()  # tree-sitter allocates through PyMem: its trees are counted too
    try:
        for i in range(400):
            if i == 200:  # after warm-up: tree-sitter's own pools grow for a few hundred parses
                before = tracemalloc.get_traced_memory()[0]
            doc.edit(middle, i, middle, i, "x")
            assert doc.tree is not None
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert doc.incremental_parses == 400
    assert grown < 300_000, grown
    fresh = syntax.parse("python", doc.text)
    assert fresh is not None and doc.sexp() == str(fresh.root_node)
