"""Turning raw model output into the text a user should see at the cursor.

Each step prevents one complaint users of AI completion have: duplicated suffix, wrong
indentation, doubled closing brackets, multi-line noise mid-line, whitespace-only ghost text,
completions that run past the block or break the syntax.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

from . import brackets, grammars, syntax
from .fim import cut_at_stop_markers
from .indentation import first_code_line, indent, reindent
from .repetition import cut_repetition
from .shape import opens_block, split_lines_at
from .site import Site

WINDOW_BEFORE = 3000  # characters of context checked around the cursor (from a top-level line)
WINDOW_AFTER = 1500
# Of the document around the cursor, a Site needs no more than this (_windowed looks back up to
# twice WINDOW_BEFORE for a top-level line): a 10 MB file is not copied for each keystroke.
SITE_BEFORE = 3 * WINDOW_BEFORE
SITE_AFTER = 4 * WINDOW_AFTER
SUFFIX_MATCH_LINES = 3  # lines of the suffix a completion must repeat before it is cut there
PARSE_BUDGET_S = 0.1  # one syntax check of the window (normally < 1 ms; guards pathologies)
GUARD_BUDGET_S = 0.25  # all syntax checks of one completion
UNPARSED_ERRORS = 1_000

_HEADERS = {
    "python": re.compile(r"\s*(@|(async\s+)?(def|class)\b)"),
    "lua": re.compile(r"\s*((local\s+)?function\b|[\w.:]+\s*=\s*function\b)"),
}
_GENERIC_HEADER = re.compile(r"\s*((export\s+)?(async\s+)?(def|class|function|fn|func|sub)\b)")
_PURE_CLOSER = re.compile(r"\s*(end|[)\]}]+)[),;]*\s*")
_CLOSING_CHARS = frozenset(")]}'\"`")
_BRACE_LANGUAGES = frozenset(
    {"javascript", "javascriptreact", "typescript", "typescriptreact", "rust", "go"}
)


def postprocess(generated: str, site: Site) -> str:
    """The text to insert at the cursor; "" when nothing worth showing is left."""
    text = cut_repetition(cut_at_stop_markers(generated).replace("\r\n", "\n"))
    if not text.strip():
        return ""
    site = _windowed(site)
    if site.multiline:
        candidates = _block_candidates(text, site)
    elif site.next_line and text.lstrip(" \t").startswith("\n"):
        candidates = _block_candidates(_next_line(text), site)
    else:
        candidates = _line_candidates(text, site)
    best = _least_syntax_errors([c for c in candidates if c.strip()], site)
    if not best.strip():
        return ""
    return best.replace("\n", "\r\n") if "\r\n" in site.before[-2000:] else best


def _windowed(site: Site) -> Site:
    start = brackets.window_start(site.before, WINDOW_BEFORE)
    end = site.after.find("\n", WINDOW_AFTER)
    after = site.after if end < 0 else site.after[: end + 1]
    return replace(site, before=site.before[start:], after=after)


def _next_line(text: str) -> str:
    """The model ended the cursor's line: the next line is the suggestion, through its end (the
    worker stops there: Generate.stop_after_space), after any blank lines the model put first."""
    end = text.find("\n", len(text) - len(text.lstrip()))
    return text if end < 0 else text[:end]


# --- one line -------------------------------------------------------------------------------


def _line_candidates(text: str, site: Site) -> list[str]:
    """The first line and shorter cuts of it, best first on equal syntax scores."""
    line_prefix, line_suffix = split_lines_at(site.before, site.after)
    line = text.split("\n", 1)[0].rstrip()
    if line_prefix.strip() and line_prefix[-1:].isspace():
        line = line.lstrip()  # `x = ` + ` 1` would show a doubled space
    rest = line_suffix.strip()
    if len(rest) >= 4 and rest in line:
        line = line[: line.index(rest)].rstrip()  # the model wrote the rest of the line again
    line = _cut_extra_closers(line, site)
    overlap = _tail_overlap(line, rest)
    preferred = [line[: len(line) - overlap]] if overlap else []
    # The model may close a string or call that the rest of the line closes already.
    cuts = {len(line)}
    if rest[:1] in _CLOSING_CHARS:
        cuts |= {i for i in range(1, len(line)) if line[i] == rest[0]}
    return preferred + [line[:i].rstrip() for i in sorted(cuts, reverse=True)]


def _tail_overlap(line: str, rest: str) -> int:
    """Length of the longest end of `line` that the rest of the line starts with."""
    for size in range(min(len(line), len(rest)), 0, -1):
        if line.endswith(rest[:size]):
            return size
    return 0


def _cut_extra_closers(text: str, site: Site) -> str:
    """Cut before a closing bracket the code after the cursor already closes."""
    offset, encloses = _first_closer(text, site)
    return text[:offset].rstrip() if offset >= 0 and not encloses else text


def _first_closer(text: str, site: Site) -> tuple[int, bool]:
    """`brackets.first_extra_closer`, believed only when the completion unbalances the file."""
    balance = brackets.balance_at_cursor(site.before, site.after, site.language)
    offset, encloses = brackets.first_extra_closer(
        site.before, text, site.language, balance.unclosed
    )
    if offset >= 0 and not encloses:
        baseline = brackets.unmatched_closers(site.before + site.after, site.language)
        added = brackets.unmatched_closers(site.before + text + site.after, site.language)
        if added <= baseline:  # it closes what it opened before the suffix's closers
            return -1, False
    return offset, encloses


# --- a block --------------------------------------------------------------------------------


def _block_candidates(text: str, site: Site) -> list[str]:
    """Whole-line cuts of the block, longest first, ended so the code after stays in place."""
    line_prefix, _ = split_lines_at(site.before, site.after)
    lines = reindent(text.split("\n"), site)
    lines = _cut_at_block_end(lines, site)
    lines = _cut_suffix_repeat(lines, site)
    lines = _cut_block_closers(lines, site)
    lines = _trim_blank_tail(lines[: site.max_lines])
    if lines and not line_prefix and not lines[0].strip() and len(lines) > 1:
        lines = lines[1:]  # the cursor already starts a fresh line
    ending = _ending(site)
    return [
        "\n".join(lines[:n]) + ending
        for n in range(len(lines), 0, -1)
        if n == len(lines) or lines[n - 1].strip()
    ]


def _ending(site: Site) -> str:
    """Code after the cursor on its line moves below the inserted lines, at its indentation."""
    line_prefix, line_suffix = split_lines_at(site.before, site.after)
    if not line_suffix.strip():
        return ""
    return "\n" + line_prefix[: len(line_prefix) - len(line_prefix.lstrip())]


def _trim_blank_tail(lines: list[str]) -> list[str]:
    end = len(lines)
    while end > 1 and not lines[end - 1].strip():
        end -= 1
    return [line.rstrip() for line in lines[:end]]


def _full_lines(lines: list[str], site: Site) -> list[str]:
    """The completion's lines as they will read in the document (first one after the prefix)."""
    line_prefix, _ = split_lines_at(site.before, site.after)
    return [line_prefix + lines[0], *lines[1:]]


def _cut_at_block_end(lines: list[str], site: Site) -> list[str]:
    """Stop where the completion leaves the definition it started in (the next function…)."""
    if site.language in _BRACE_LANGUAGES:
        return lines  # braces mark the block end: see _cut_block_closers
    full = _full_lines(lines, site)
    first = next((i for i, line in enumerate(full) if line.strip()), None)
    if first is None:
        return lines
    floor = _definition_floor(full, first, site)
    for i in range(first + 1, len(full)):
        line = full[i]
        if line.strip() and indent(line) <= floor:
            keep_closer = indent(line) == floor and _PURE_CLOSER.fullmatch(line) is not None
            return lines[: i + 1] if keep_closer else lines[:i]
    return lines


def _definition_floor(full: list[str], first: int, site: Site) -> int:
    """Indentation at or below which a line is outside the cursor's definition (-1: none).

    The outermost enclosing function counts (a nested helper may hand back to its parent), or
    the innermost class when the cursor is in no function.
    """
    line_prefix, _ = split_lines_at(site.before, site.after)
    above = site.before.split("\n")[:-1]
    if line_prefix.strip():  # the user wrote the cursor's line: it may be the header itself
        above.append(full[first])
        limit = _block_indent(full, first, site.language)
    else:
        limit = indent(full[first])
    literal = brackets.lines_inside_literals("\n".join(above), site.language)
    header = _HEADERS.get(site.language, _GENERIC_HEADER)
    floor, in_function = -1, False
    for index in range(len(above) - 1, -1, -1):
        line = above[index]
        if not line.strip() or index in literal or indent(line) >= limit:
            continue
        limit = indent(line)
        match = header.match(line)
        if match and not line.lstrip().startswith(("class", "@")):
            floor, in_function = limit, True
        elif match and not in_function and floor < 0:
            floor = limit
        if limit == 0:
            break
    return floor


def _block_indent(full: list[str], first: int, language: str) -> int:
    """Indent of the completion's code: the body's when its first line opens a block."""
    own = indent(full[first])
    if opens_block(full[first], language):
        following = next((line for line in full[first + 1 :] if line.strip()), None)
        # A body that is not deeper than its opener is not a body (the model moved on).
        return own + 1 if following is None else max(indent(following), own + 1)
    return own


def _suffix_indent(site: Site) -> int | None:
    line_prefix, line_suffix = split_lines_at(site.before, site.after)
    if line_suffix.strip():
        return indent(line_prefix + line_suffix)
    following = first_code_line(site.after)
    return None if following is None else indent(following)


# --- repeating the code after the cursor ----------------------------------------------------


def _cut_suffix_repeat(lines: list[str], site: Site) -> list[str]:
    """Cut where the completion starts writing the lines that already follow the cursor."""
    suffix = _suffix_code_lines(site)
    if not suffix:
        return lines
    full = [line.rstrip() for line in _full_lines(lines, site)]
    for i, line in enumerate(full):
        if not line.strip():
            continue
        rest = [r for r in full[i:] if r.strip()]
        size = min(len(rest), len(suffix), SUFFIX_MATCH_LINES)
        # A short suffix must be repeated to the completion's end: real code repeats lines too.
        enough = size == min(len(rest), SUFFIX_MATCH_LINES)
        if (
            enough
            and _repeats(rest[:size], suffix[:size], ends=size == len(rest))
            and (size > 1 or _PURE_CLOSER.fullmatch(line) is None)
        ):
            return lines[:i]
    return lines


def _repeats(lines: list[str], suffix: list[str], *, ends: bool) -> bool:
    """Equal lines; the completion's last line may be cut short by the token cap."""
    if not ends:
        return lines == suffix
    *head, last = lines
    return head == suffix[:-1] and last.strip() != "" and suffix[-1].startswith(last)


def _suffix_code_lines(site: Site) -> list[str]:
    line_prefix, line_suffix = split_lines_at(site.before, site.after)
    lines = site.after.split("\n")
    first = [(line_prefix + line_suffix).rstrip()] if line_suffix.strip() else []
    return [*first, *(line.rstrip() for line in lines[1:] if line.strip())][:SUFFIX_MATCH_LINES]


# --- brackets -------------------------------------------------------------------------------


def _cut_block_closers(lines: list[str], site: Site) -> list[str]:
    """Drop closers the suffix already has; in brace languages stop after closing the block."""
    text = "\n".join(lines)
    offset, encloses = _first_closer(text, site)
    if offset < 0:
        return lines
    if encloses:
        if site.language not in _BRACE_LANGUAGES:
            return lines
        end = text.find("\n", offset)
        return text.split("\n") if end < 0 else text[:end].split("\n")
    head = text[:offset]
    kept = head.split("\n")
    if not kept[-1].strip() and len(kept) > 1:
        kept = kept[:-1]  # the closer began its own line: drop that line
    return kept


# --- syntax ---------------------------------------------------------------------------------


def _least_syntax_errors(candidates: list[str], site: Site) -> str:
    """The candidate leaving the fewest unmatched closers, then syntax errors; longest on ties.

    Counts are compared between candidates, not against the text without a completion: while
    the user types, that text is usually broken in ways the completion should repair.
    """
    if len(candidates) <= 1:
        return candidates[0] if candidates else ""
    grammar = grammars.has_grammar(site.language)
    deadline = time.monotonic() + GUARD_BUDGET_S
    best, best_score = candidates[0], None
    for candidate in candidates:
        text = site.before + candidate + site.after
        errors = syntax.syntax_errors(site.language, text, PARSE_BUDGET_S) if grammar else 0
        unparsed = UNPARSED_ERRORS if errors is None else errors  # gave up: assume the worst
        score = (brackets.unmatched_closers(text, site.language), unparsed)
        if best_score is None or score < best_score:
            best, best_score = candidate, score
        if score == (0, 0) or time.monotonic() > deadline:
            break  # nothing shorter can do better, or the answer is due
    return best
