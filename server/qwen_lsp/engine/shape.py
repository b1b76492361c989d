"""Completion shape: one line or a block, decided from the code around the cursor.

Middle of a line → one line (multi-line noise there is the top complaint); an empty line, a line
after a block opener (`:` / `{` / `then` …) or code the cursor sits in front of → a block, cut
later at the end of that block (see `postprocess`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from qwen_lsp.engine import syntax

MultilineMode = Literal["auto", "always", "never"]

# The rest of a line that still allows a block: only closers, separators and whitespace.
_TRAILING_CLOSERS = re.compile(r"""[\s)\]}>'"`;,]*""")

_PY_COMPOUND = re.compile(
    r"\s*(async\s+)?(def|class|if|elif|else|for|while|try|except|finally|with|match|case)\b"
)
_LUA_OPENER = re.compile(r"(\bthen|\bdo|\belse|\brepeat|\bfunction\b.*\)|\bfunction\s*\(.*\))\s*$")
_BRACE_OPENER = re.compile(r"(\{|=>)\s*$")

_NO_BLOCK_NODES = ("comment", "string", "template_string", "raw_string_literal")


@dataclass(frozen=True, slots=True)
class Shape:
    multiline: bool
    reason: str


def split_lines_at(before: str, after: str) -> tuple[str, str]:
    """(current line up to the cursor, rest of the current line)."""
    newline = after.find("\n")
    return before[before.rfind("\n") + 1 :], after if newline < 0 else after[:newline]


def opens_block(line: str, language: str) -> bool:
    """Whether a line ending here opens a block body (the next lines belong to it)."""
    stripped = line.rstrip()
    if language == "python":
        return stripped.endswith(":") and _PY_COMPOUND.match(stripped) is not None
    if language == "lua":
        return _LUA_OPENER.search(stripped) is not None
    return _BRACE_OPENER.search(stripped) is not None


def decide_shape(
    before: str,
    after: str,
    language: str,
    mode: MultilineMode = "auto",
    doc: syntax.SyntaxDocument | None = None,
) -> Shape:
    """Single or multi-line for a cursor between `before` and `after`."""
    if mode != "auto":
        return Shape(mode == "always", f"setting completion.multiline={mode}")
    shape = _shape_from_lines(before, after, language)
    # The tree is asked only for a block: most keystrokes need no parse of the edited text.
    if shape.multiline and doc is not None and _inside_literal(doc, len(before)):
        return Shape(False, "inside a comment or string")
    return shape


def _shape_from_lines(before: str, after: str, language: str) -> Shape:
    line_prefix, line_suffix = split_lines_at(before, after)
    if _TRAILING_CLOSERS.fullmatch(line_suffix) is None:
        if line_prefix.strip():
            return Shape(False, "middle of a line")
        return Shape(True, "code after the cursor: new lines go above it")
    if not line_prefix.strip():
        return Shape(True, "new line in a block")
    if opens_block(line_prefix, language):
        return Shape(True, "after a block opener")
    return Shape(False, "end of a statement")


def _inside_literal(doc: syntax.SyntaxDocument, offset: int) -> bool:
    node = doc.node_at(offset, literals=True)
    byte = doc.byte_at(offset)
    while node is not None:
        # The cursor right after a closing quote or at a comment's end is outside it.
        if any(kind in node.type for kind in _NO_BLOCK_NODES) and node.start_byte < byte:
            return byte < node.end_byte or node.type == "comment"
        node = node.parent
    return False
