"""Indentation of a suggestion: the file's own style, the editor's indentation at the cursor."""

from __future__ import annotations

import re

from .brackets import OPENERS, brackets
from .shape import opens_block, split_lines_at
from .site import Site


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def reindent(lines: list[str], site: Site) -> list[str]:
    lines = _match_indent_style(lines, site)
    lines = _undouble_first_indent(lines, site)
    return _indent_flush_left_block(lines, site)


def indent_unit(site: Site) -> str:
    """The document's indentation: a tab, or the smallest step of spaces seen (default 4)."""
    around = site.before[-4000:] + site.after[:2000]
    indents = [m.group(1) for m in re.finditer(r"\n([ \t]+)\S", around)]
    line_prefix, _ = split_lines_at(site.before, site.after)
    if line_prefix and not line_prefix.strip():
        indents.append(line_prefix)  # the editor's indentation at the cursor is a sample too
    if sum(i.startswith("\t") for i in indents) > len(indents) / 2:
        return "\t"
    widths = sorted({len(i) for i in indents if i.startswith(" ")})
    return " " * (widths[0] if widths and widths[0] in (2, 3, 4, 8) else 4)


def _match_indent_style(lines: list[str], site: Site) -> list[str]:
    """Tabs in a space-indented file (or the reverse) become the file's own indentation."""
    unit = indent_unit(site)
    wrong = "    " if unit == "\t" else "\t"
    out = []
    for line in lines:
        body = line.lstrip(" \t")
        lead = line[: len(line) - len(body)]
        out.append(lead.replace(wrong, unit) + body if wrong in lead else line)
    return out


def _undouble_first_indent(lines: list[str], site: Site) -> list[str]:
    """The editor already indented the cursor; a model that indents again doubles it."""
    line_prefix, _ = split_lines_at(site.before, site.after)
    extra = indent(lines[0])
    if not line_prefix or line_prefix.strip() or not extra or not lines[0].strip():
        return lines
    following = next((line for line in lines[1:] if line.strip()), None)
    doubled = len(line_prefix) + extra
    # Shift the rest too only when it was written relative to the doubled first line.
    relative = following is not None and (
        indent(following) > doubled
        if opens_block(lines[0], site.language)
        else indent(following) == doubled
    )
    shift = extra if relative else 0
    return [lines[0][extra:], *[line[shift:] if line.strip() else line for line in lines[1:]]]


def _indent_flush_left_block(lines: list[str], site: Site) -> list[str]:
    """A block written at column 0 between indented lines belongs at the cursor's block."""
    line_prefix, line_suffix = split_lines_at(site.before, site.after)
    if line_prefix or not lines[0].strip() or indent(lines[0]):
        return lines
    previous = last_code_line(site.before)
    following = line_suffix if line_suffix.strip() else first_code_line(site.after)
    if previous is None or following is None or not indent(previous) or not indent(following):
        return lines
    depth = indent(previous) + (
        len(indent_unit(site)) if opens_block(previous, site.language) else 0
    )
    pad = previous[: indent(previous)][:1] * depth
    return [pad + line if line.strip() else line for line in lines]


def last_code_line(text: str) -> str | None:
    lines = [line for line in text.split("\n")[:-1] if line.strip()]
    return lines[-1] if lines else None


def first_code_line(text: str) -> str | None:
    for line in text.split("\n")[1:]:
        if line.strip():
            return line
    return None


# --- end of block ---------------------------------------------------------------------------


def enter_text(before: str, after: str, language: str) -> str | None:
    """What Enter inserts at the end of a line of code as an editor auto-indents it: a newline
    and the line's indentation, one unit more after a line that opens a block; None where the
    cursor does not end a line that reads as finished (Enter is not the likely next key)."""
    line, rest = split_lines_at(before, after)
    if rest.strip() or not ends_statement(line, language):
        return None
    lead = line[: indent(line)]
    more = indent_unit(Site(before, after, language)) if opens_block(line, language) else ""
    return "\n" + lead + more


_GOES_ON = frozenset(
    "([{,.=+-*/%&|^<>\\@:"
)  # a line ending so is not finished (but a block opener)


def ends_statement(line: str, language: str) -> bool:
    """The line as typed so far reads as finished: a block opener, or no trailing blank, no
    operator, comma or opening bracket at its end and no bracket left open on it."""
    if not line.strip() or line[-1].isspace():
        return False  # a pause after a word, within the line
    if opens_block(line, language):
        return True
    if line[-1] in _GOES_ON:
        return False
    depth = sum(1 if char in OPENERS else -1 for _, char in brackets(line, language))
    return depth <= 0
