"""Tool calls → plain line edits, after checking every one; anything doubtful is rejected.

A call is accepted only when its tool was offered to the action, its arguments are exactly the
schema's with the right types, and every line it touches lies inside the action's target. There
is no argument naming a file, so no call can reach another document.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qwen_lsp.engine import definitions
from qwen_lsp.engine.doc_render import render_doc
from qwen_lsp.engine.line_edits import LineEdit
from qwen_lsp.engine.tools import (
    INSERT_TEXT,
    READ_DEFINITION,
    READ_LINES,
    REPLACE_LINES,
    SET_DOCSTRING,
    param_types,
)

__all__ = ["Target", "ToolCallError", "apply_edits", "check_arguments", "to_edit"]

READ_MAX_LINES = 200


class ToolCallError(ValueError):
    """A tool call that cannot be applied; the message says why, for the user."""


@dataclass(frozen=True)
class Target:
    """What an action may change: lines start..end (0-based inclusive) of one document version.

    `insert_from`/`insert_to`: the 0-based lines text may be inserted before (default: the
    region and the line after it). `symbol`: the definition set_docstring may document.
    """

    text: str
    language: str
    start_line: int
    end_line: int
    tools: tuple[str, ...]
    symbol: str = ""
    insert_from: int = -1
    insert_to: int = -1

    def insert_range(self) -> tuple[int, int]:
        if self.insert_from >= 0:
            return self.insert_from, self.insert_to
        return self.start_line, self.end_line + 1


def check_arguments(name: str, arguments: object, offered: tuple[str, ...]) -> dict:
    """The arguments of a known, offered tool with exactly its parameters and types."""
    if name not in offered:
        known = ", ".join(offered) or "none"
        raise ToolCallError(f"the model called `{name}`, which is not an offered tool ({known})")
    if not isinstance(arguments, dict):
        raise ToolCallError(f"`{name}`: arguments are not an object")
    types = param_types(name)
    extra = sorted(set(arguments) - set(types))
    if extra:
        raise ToolCallError(f"`{name}`: unexpected argument(s) {', '.join(extra)}")
    missing = [p for p in types if p not in arguments]
    if missing:
        raise ToolCallError(f"`{name}`: missing argument(s) {', '.join(missing)}")
    out = {}
    for param, kind in types.items():
        value = arguments[param]
        if kind == "integer":
            # The parser converts by schema; a digit string can still come through untyped.
            if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ToolCallError(f"`{name}`: `{param}` must be an integer, got {value!r}")
        elif not isinstance(value, str):
            raise ToolCallError(f"`{name}`: `{param}` must be a string")
        out[param] = value
    return out


_NUMBERED = re.compile(r"^\d+\| ?")


def _lines_text(text: str) -> str:
    """New lines as the model wrote them, minus line numbers it may have copied from the prompt,
    ending with one newline."""
    lines = text.split("\n")
    if all(_NUMBERED.match(x) for x in lines if x.strip()):
        lines = [_NUMBERED.sub("", x, count=1) for x in lines]
    return "\n".join(lines).rstrip("\n") + "\n"


def _line_count(text: str) -> int:
    n = text.count("\n") + 1
    return n - 1 if text.endswith("\n") else n


def to_edit(target: Target, name: str, arguments: object) -> LineEdit:
    """One edit tool call → a line edit inside the target, or ToolCallError."""
    args = check_arguments(name, arguments, target.tools)
    lo, hi = target.start_line + 1, target.end_line + 1  # 1-based, as the prompt shows
    if name == REPLACE_LINES:
        a, b = args["start_line"], args["end_line"]
        if not (lo <= a <= b <= hi):
            raise ToolCallError(f"`{name}` lines {a}-{b} are outside the target lines {lo}-{hi}")
        new = args["new_text"]
        return LineEdit(a - 1, b, _lines_text(new) if new.strip() else "")
    if name == INSERT_TEXT:
        first, last = target.insert_range()
        line = args["line"]
        if not (first + 1 <= line <= last + 1) or line > _line_count(target.text) + 1:
            raise ToolCallError(
                f"`{name}` at line {line} is outside the allowed lines {first + 1}-{last + 1}"
            )
        if not args["text"].strip():
            raise ToolCallError(f"`{name}`: the text is empty")
        return LineEdit(line - 1, line - 1, _lines_text(args["text"]))
    if name == SET_DOCSTRING:
        symbol = args["symbol"].strip()
        if target.symbol and symbol not in (target.symbol, target.symbol.rsplit(".", 1)[-1]):
            raise ToolCallError(f"`{name}` targets `{symbol}`, not `{target.symbol}`")
        d = definitions.find(target.language, target.text, target.symbol or symbol)
        if d is None or not (target.start_line <= d.start_line <= target.end_line):
            raise ToolCallError(f"`{name}`: no definition `{symbol}` in the target")
        edit = render_doc(target.language, d, args["docstring"])
        if edit is None:
            raise ToolCallError(f"`{name}`: the documentation is empty")
        return edit
    raise ToolCallError(f"`{name}` is a read-only tool, not an edit")


def to_edits(target: Target, calls: Sequence[tuple[str, object]]) -> list[LineEdit]:
    """All edit calls of one answer; one bad call or an overlap rejects them all."""
    edits = sorted((to_edit(target, name, args) for name, args in calls), key=lambda e: e.start)
    for prev, nxt in itertools.pairwise(edits):
        if nxt.start < prev.end or (nxt.start == prev.start and prev.start == prev.end):
            raise ToolCallError("the model's edits overlap")
    return edits


def apply_edits(text: str, edits: list[LineEdit]) -> str:
    """`text` with the (non-overlapping) line edits applied: for tests and previews."""
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        new = e.text.split("\n")[:-1] if e.text else []
        lines[e.start : e.end] = new
    return "\n".join(lines)


# --- read-only tools -------------------------------------------------------------------------


def read(
    name: str,
    arguments: object,
    text: str,
    workspace: dict[str, tuple[str, str]],
    offered: tuple[str, ...],
) -> str:
    """The result of a read-only tool, as text for a `role: "tool"` message.

    `workspace`: path → (languageId, text) of the open documents to search for definitions.
    """
    args = check_arguments(name, arguments, offered)
    if name == READ_LINES:
        lines = text.split("\n")
        a, b = max(1, args["start_line"]), min(len(lines), args["end_line"])
        b = min(b, a + READ_MAX_LINES - 1)
        if a > b:
            return f"No lines {args['start_line']}-{args['end_line']} (the file has {len(lines)})."
        return "\n".join(f"{i}| {lines[i - 1]}" for i in range(a, b + 1))
    if name == READ_DEFINITION:
        wanted = args["name"].strip()
        for path, (lang, source) in workspace.items():
            d = definitions.find(lang, source, wanted)
            if d is not None:
                src = source.split("\n")
                first = d.doc[0] if d.doc and d.doc[0] < d.start_line else d.start_line
                last = min(d.end_line, first + READ_MAX_LINES - 1)
                return f"{path}:{first + 1}\n" + "\n".join(src[first : last + 1])
        return f"No definition of `{wanted}` in the open files."
    raise ToolCallError(f"`{name}` is not a read-only tool")


def to_ranges(text: str, edits: list[LineEdit]) -> list[tuple[int, int, int, int, str]]:
    """Line edits → (start line, start column, end line, end column, new text), columns in code
    points. An edit reaching past a last line with no newline ends at that line's end."""
    lines = text.split("\n")
    last, width = len(lines) - 1, len(lines[-1])
    out = []
    for e in edits:
        if e.end <= last:
            out.append((e.start, 0, e.end, 0, e.text))
            continue
        new = e.text[:-1] if e.text.endswith("\n") else e.text
        if e.start > last:  # appending after a last line that has no newline
            out.append((last, width, last, width, "\n" + new if new else ""))
        else:
            out.append((e.start, 0, last, width, new))
    return out
