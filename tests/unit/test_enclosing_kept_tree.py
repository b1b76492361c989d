"""The definition around a line, from a document's kept tree: the same answer as a fresh
parse and walk, for every line, and no parse of its own (code actions ask on every cursor move)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qwen_lsp.engine import actions, definitions, grammars, syntax

from .doc_samples import CASES, PY

pytestmark = pytest.mark.unit

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
SAMPLES = [("python", PY)] + [(language, case[0]) for language, case in CASES.items()]
SAMPLES += [(language, case[2][1] + " {}\n") for language, case in CASES.items()]
SAMPLES += [
    (grammars.language_for(path.name), path.read_text())
    for path in sorted(CORPUS.iterdir())
    if grammars.has_grammar(grammars.language_for(path.name))
]
# Names read from the lines by byte column: non-ASCII names, CRLF line ends.
SAMPLES += [
    (
        "python",
        "class Café:\r\n    def grüße(self):\r\n        return 'ü'\r\n\r\n"
        "def naïve():\r\n    pass\r\n",
    )
]


@pytest.mark.parametrize(("language", "text"), SAMPLES)
def test_every_line_finds_what_a_fresh_walk_finds(language: str, text: str) -> None:
    doc = syntax.SyntaxDocument(language, text)
    lines = text.split("\n")
    assert len(lines) > 3
    for line in range(len(lines)):
        expected = definitions.enclosing(language, text, line)
        assert definitions.enclosing_in(doc, language, line) == expected, (line, lines[line])


def test_listing_actions_on_a_kept_tree_parses_nothing() -> None:
    text = PY * 50
    doc = syntax.SyntaxDocument("python", text)
    for line in range(0, text.count("\n"), 7):
        kept = actions.offers_in(
            definitions.enclosing_in(doc, "python", line), line, line, False, []
        )
        assert kept == actions.offers("python", text, line, line, False, [])
    assert (doc.full_parses, doc.incremental_parses) == (1, 0)


def test_no_tree_means_no_definition_and_no_parse() -> None:
    doc = syntax.SyntaxDocument("python", PY, budget_s=0.0)
    assert doc.gave_up
    assert definitions.enclosing_in(doc, "python", 5) is None
    assert doc.full_parses == 1
