"""FIM prompt layout: exact token strings, the cache-friendly order, and budgets."""

import pytest

from qwen_lsp.engine.fim import (
    FimParts,
    RepoFile,
    char_budgets,
    cut_at_stop_markers,
    render_fim_prompt,
    split_at_cursor,
)
from qwen_lsp.engine.syntax import SyntaxDocument

pytestmark = pytest.mark.unit

DOC = "import os\n\ndef area(r):\n    return 3.14 * r\n\nprint(area(2))\n"


def cut(text: str, marker: str = "‸", **budgets: int) -> FimParts:
    offset = text.index(marker)
    limits = {"prefix_chars": 10_000, "suffix_chars": 10_000, **budgets}
    return split_at_cursor(text.replace(marker, ""), offset, path="geo.py", **limits)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            "import os\n\ndef area(r):\n    return 3.‸14 * r\n",
            "<|fim_prefix|>import os\n\ndef area(r):\n<|fim_suffix|>14 * r\n"
            "<|fim_middle|>    return 3.",
            id="current-line-after-fim-middle",
        ),
        pytest.param(
            "‸x = 1\n",
            "<|fim_prefix|><|fim_suffix|>x = 1\n<|fim_middle|>",
            id="start-of-file",
        ),
        pytest.param(
            "def f():\n    ‸",
            "<|fim_prefix|>def f():\n<|fim_suffix|><|fim_middle|>    ",
            id="end-of-file-no-newline",
        ),
        pytest.param(
            "a = 1\r\nb = ‸2\r\n",
            "<|fim_prefix|>a = 1\r\n<|fim_suffix|>2\r\n<|fim_middle|>b = ",
            id="crlf-kept-verbatim",
        ),
    ],
)
def test_prompt_is_psm_with_the_line_prefix_after_fim_middle(document, expected):
    assert render_fim_prompt(cut(document)) == expected


def test_repo_context_comes_first_as_file_sections():
    parts = FimParts(
        path="app/main.py",
        prefix="import util\n",
        line_prefix="util.",
        suffix="\n",
        repo_name="demo",
        files=(RepoFile("app/util.py", "def helper(): ..."),),
    )
    assert render_fim_prompt(parts) == (
        "<|repo_name|>demo\n<|file_sep|>app/util.py\ndef helper(): ...\n"
        "<|file_sep|>app/main.py\n<|fim_prefix|>import util\n<|fim_suffix|>\n"
        "<|fim_middle|>util."
    )


def test_typing_changes_only_the_tail_of_the_prompt():
    """The KV cache can only reuse a shared prefix: a keystroke must not touch earlier text."""
    before = render_fim_prompt(cut(DOC.replace("3.14", "3.‸")))
    after = render_fim_prompt(cut(DOC.replace("3.14", "3.1‸")))
    assert after.startswith(before)


def test_prefix_budget_keeps_whole_lines_and_moves_in_steps():
    text = "".join(f"line {i:03d}\n" for i in range(200)) + "‸"
    parts = cut(text, prefix_chars=300)
    assert len(parts.prefix) <= 300
    assert parts.prefix.startswith("line ") and parts.prefix.endswith("line 199\n")
    first_kept = int(parts.prefix[5:8])
    assert first_kept % 16 == 0  # the start snaps to a 16-line step
    # Typing one more line keeps the same start (the KV cache stays valid).
    longer = cut(text.replace("‸", "line 200\n‸"), prefix_chars=300 + 9)
    assert longer.prefix.startswith(f"line {first_kept:03d}")


def test_suffix_budget_cuts_at_a_line_end():
    text = "x = ‸1\n" + "".join(f"y{i} = {i}\n" for i in range(100))
    parts = cut(text, suffix_chars=40)
    assert len(parts.suffix) <= 40 and parts.suffix.endswith("\n")
    assert parts.suffix.startswith("1\ny0 = 0\n")


def test_budgets_split_three_to_one():
    prefix, suffix = char_budgets(1000)
    assert prefix + suffix == 3200 and prefix == 3 * suffix


@pytest.mark.parametrize(
    ("generated", "expected"),
    [
        ("return x<|endoftext|>junk", "return x"),
        ("a<|file_sep|>other.py\n", "a"),
        ("b<|fim_pad|><|fim_middle|>", "b"),
        ("no marker", "no marker"),
    ],
)
def test_cut_at_stop_markers(generated, expected):
    assert cut_at_stop_markers(generated) == expected


def test_the_prompt_is_the_same_when_rows_come_from_the_line_index() -> None:
    """A big document's rows come from its line index instead of counting newlines: the prompt
    must not change by a character (the KV cache and the trained model depend on it)."""
    text = "".join(f"line {i} {'x' * (i % 37)}\n" for i in range(3000))
    doc = SyntaxDocument("", text)
    for offset in range(0, len(text), 997):
        for budget in (50, 400, 5000, 10**6):
            kwargs = {"path": "a.py", "prefix_chars": budget, "suffix_chars": budget // 3}
            assert split_at_cursor(text, offset, **kwargs) == split_at_cursor(
                text, offset, row_of=doc.row_of, **kwargs
            )


def test_a_minified_line_is_cut_to_the_budget_and_stays_put_while_typing() -> None:
    """The line before the cursor counts against the prefix budget when it alone exceeds it
    (a 2 MB minified line was sent whole: a prompt the worker refused after tokenizing it)."""
    line = "".join(f"var a{i}=function(b){{return b*{i}}};" for i in range(20_000))
    text = "const x = 1;\n" + line
    budgets = {"path": "a.min.js", "prefix_chars": 3000, "suffix_chars": 1000}
    offset = 3000 + 1024 * 300 + 1  # the cut's step just begun: typing on stays in it
    parts = split_at_cursor(text, offset, **budgets)
    assert parts.prefix == ""
    assert 3000 - 1024 < len(parts.line_prefix) <= 3000
    assert text[:offset].endswith(parts.line_prefix)
    assert len(parts.suffix) == 1000
    # Typing on: the cut stays where it was, so the prompt only grows at its end.
    typed = text[:offset] + "abc" + text[offset:]
    later = split_at_cursor(typed, offset + 3, **budgets)
    assert later.line_prefix == parts.line_prefix + "abc"
