"""A keystroke's snapshot is a window of the text around the cursor (`window_of`): everything
built from it must be what the whole text gives, byte for byte (the trained test model is keyed
on the prompts), at every kind of cursor of a big, edited text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qwen_lsp.engine.completion import (
    CompletionRequest,
    build_prompt,
    should_complete,
    text_window,
    window_of,
)
from qwen_lsp.engine.context import lines_near, names_near
from qwen_lsp.engine.prefetch import State
from qwen_lsp.engine.syntax import SyntaxDocument
from qwen_lsp.engine.typing_cache import TypingCache, near
from qwen_lsp.settings import parse_settings

pytestmark = pytest.mark.unit

BLOCK = (
    "import os\n"
    "\n"
    "def área(radius):  # naïve 😀 漢字\n"
    '    """Docstring with a "quote" and \\\\ escapes."""\n'
    "    if radius > 0:\n"
    "        return 3.14159 * radius * radius\r\n"
    "\r\n"
    "class Shape:\n"
    "    def __init__(self, name):\n"
    "        self.name = name  # 🙂\n"
    '        doc = """first\n'
    "\n"
    '        last"""\n'
    "\n"
)
MINIFIED = "var a=1;" * 3000  # one line longer than any prefix budget here (24 K characters)


def big_text() -> str:
    head = BLOCK * 300
    return head + MINIFIED + "\n" + BLOCK * 300 + "    "  # ends mid-line, no final newline


def edited_document() -> SyntaxDocument:
    """A document typed in (its text in chunks, not joined), with a tree."""
    text = big_text()
    doc = SyntaxDocument("python", text[:1000] + text[1010:])
    doc.replace(1000, 1000, text[1000:1010])  # an edit puts back what was cut
    doc.replace(50_000, 50_000, "x")
    doc.replace(50_000, 50_001, "")
    assert doc.text == text and doc.tree is not None
    return doc


def cursors(text: str, window: int) -> list[int]:
    end = len(text)
    minified = text.index(MINIFIED)
    in_string = [text.index('"""first\n', k) + 9 for k in (0, end // 2, end - 2 * window)]
    marks = [text.index("😀"), text.index("漢字") + 1, text.index("\r\n", 5000), *in_string]
    edges = [window - 1, window, window + 1, end - window - 1, end - window, end - window + 1]
    inside_long_line = [minified + 5, minified + 12_000, minified + len(MINIFIED)]
    after = [minified + len(MINIFIED) + 1 + k for k in (0, 30, window)]
    return sorted(
        {
            0,
            1,
            2,
            end // 2,
            end - 1,
            end,
            text.index(":\n"),
            *marks,
            *edges,
            *inside_long_line,
            *after,
        }
        & set(range(end + 1))
    )


@pytest.mark.parametrize("tokens", [64, 512, 2048, 8192])
@pytest.mark.parametrize("multiline", ["auto", "never"])
def test_a_window_gives_the_whole_texts_prompt_shape_and_stops(tokens: int, multiline: str):
    settings = parse_settings(
        {"context": {"maxPromptTokens": tokens}, "completion": {"multiline": multiline}}
    )
    doc = edited_document()
    text = doc.text
    window = text_window(settings.context)
    checked = 0
    for offset in cursors(text, window):
        whole = CompletionRequest("file:///a.py", 3, "a.py", "python", text, offset)
        cut = window_of(replace(whole, text=""), doc, window)
        assert len(cut.text) <= 2 * window and cut.cursor == offset
        expected = build_prompt(whole, settings.completion, settings.context, syntax_doc=doc)
        plan = build_prompt(cut, settings.completion, settings.context, syntax_doc=doc)
        assert plan == expected, offset
        assert plan.prompt.encode() == expected.prompt.encode()
        assert should_complete(cut) == should_complete(whole)
        assert State.of(cut, window) == State.of(whole, window)
        checked += 1
    assert checked >= 20


def test_the_typing_cache_sees_the_same_cursor_through_a_window():
    doc = edited_document()
    text, window = doc.text, 4096
    for offset in cursors(text, window):
        whole = CompletionRequest("file:///a.py", 3, "a.py", "python", text, offset)
        cut = window_of(replace(whole, text=""), doc, window)
        cache = TypingCache()
        cache.remember_near("a", *near(cut), "ab", "k")
        typed = text[:offset] + "a" + text[offset:]
        through = replace(whole, text=typed, offset=offset + 1)  # typing through it, whole text
        assert cache.find_near("a", *near(through)) is not None
        assert cut.after_len == len(text) - offset


def test_names_near_the_cursor_read_from_its_lines_only():
    doc = edited_document()
    text, lines = doc.text, doc.lines()
    for offset in cursors(text, 4096):
        row = doc.row_of(offset)
        assert names_near(*lines_near(lines, row)) == names_near(text, offset), offset


def test_a_window_of_an_older_revision_uses_no_tree():
    settings = parse_settings({})
    doc = edited_document()
    offset = doc.text.index("class Shape") - 1  # an empty line: a block, the tree is asked
    request = CompletionRequest("file:///a.py", 3, "a.py", "python", "", offset)
    cut = window_of(request, doc, text_window(settings.context))
    doc.replace(0, 0, '"""')  # everything after it is a string now
    stale = build_prompt(cut, settings.completion, settings.context, syntax_doc=doc)
    treeless = build_prompt(cut, settings.completion, settings.context)
    assert stale == treeless and stale.multiline


def test_a_window_of_another_document_is_not_taken_for_this_ones():
    """A document closed and opened again has a new SyntaxDocument: an old window must not
    match it, whatever the number of edits of each."""
    text = "def f():\n    pass\n"
    first, again = SyntaxDocument("python", text), SyntaxDocument("python", text)
    request = CompletionRequest("file:///a.py", 1, "a.py", "python", "", len(text))
    assert window_of(request, first, 9000).revision != again.revision
