"""The inline-completion pipeline as named free functions, each testable alone.

should_complete → build_prompt → (the worker generates) → format_completion
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from ..settings import CompletionSettings, ContextSettings
from .fim import (
    CHARS_PER_TOKEN,
    FimParts,
    RepoFile,
    char_budgets,
    render_fim_prompt,
    split_at_cursor,
)
from .grammars import language_for
from .postprocess import SITE_AFTER, SITE_BEFORE, postprocess
from .shape import decide_shape, split_lines_at
from .site import Site
from .syntax import SyntaxDocument

REPO_SHARE = 1 / 3  # of the prompt budget for repository context, when it is on
BINARY_WINDOW = 4096  # characters either side of the cursor checked for binary content


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """A snapshot of one document at one cursor (offset in code points)."""

    uri: str
    version: int
    path: str
    language_id: str
    text: str
    offset: int
    # A window of the text (at least `text_window` either side of the cursor): text[0] is at
    # `base` of the whole, on its row `base_row`; the whole is `length` long. 0, 0, -1: whole.
    base: int = 0
    base_row: int = 0
    length: int = -1
    # The `SyntaxDocument.revision` the window was read at (-1: a text no document had).
    revision: int = -1

    @property
    def cursor(self) -> int:
        """The cursor's offset in the whole text."""
        return self.base + self.offset

    @property
    def after_len(self) -> int:
        """Characters of the whole text after the cursor."""
        end = self.base + len(self.text) if self.length < 0 else self.length
        return end - self.cursor


@dataclass(frozen=True, slots=True)
class CompletionPlan:
    prompt: str
    cache_key: str
    multiline: bool
    max_tokens: int
    stop: tuple[str, ...]
    parts: FimParts
    site: Site
    # At a line's end a one-line suggestion may be the next line: its leading newline is no stop.
    next_line: bool = False


def window_of(request: CompletionRequest, doc: SyntaxDocument, window: int) -> CompletionRequest:
    """`request` at offset `request.offset` of `doc` as it is now, its text the `window`
    characters either side of the cursor (`text_window`: all that a prompt there reads; a
    keystroke in a 10 MB file copies a window, never the whole text)."""
    offset = request.offset
    start = max(0, offset - window)
    return replace(
        request,
        text=doc.slice(start, offset + window),
        offset=offset - start,
        base=start,
        base_row=doc.row_of(start) if start else 0,
        length=doc.length,
        revision=doc.revision,
    )


def should_complete(request: CompletionRequest) -> bool:
    """Not inside a word, and not in binary content."""
    after = request.text[request.offset : request.offset + 1]
    if after.isalnum() or after == "_":
        return False
    window = request.text[max(0, request.offset - BINARY_WINDOW) : request.offset + BINARY_WINDOW]
    return "\x00" not in window


def text_window(context: ContextSettings) -> int:
    """Characters either side of the cursor that should_complete and build_prompt read (the
    repository section's names aside): a request for a window this wide gets the same plan."""
    prefix_chars, suffix_chars = char_budgets(_fim_tokens(context))
    return max(2 * prefix_chars + 1, suffix_chars + 1, BINARY_WINDOW, SITE_BEFORE, SITE_AFTER)


def _fim_tokens(context: ContextSettings) -> int:
    # The split depends on the setting only, never on this request's files: it stays put.
    return context.max_prompt_tokens - int(repo_budget_chars(context) / CHARS_PER_TOKEN)


def repo_budget_chars(context: ContextSettings) -> int:
    """Characters of repository context a prompt may hold (0 when the setting is off)."""
    if not context.repo_files:
        return 0
    return int(context.max_prompt_tokens * REPO_SHARE * CHARS_PER_TOKEN)


def build_prompt(
    request: CompletionRequest,
    completion: CompletionSettings,
    context: ContextSettings,
    *,
    files: tuple[RepoFile, ...] = (),
    repo_name: str = "",
    syntax_doc: SyntaxDocument | None = None,
) -> CompletionPlan:
    prefix_chars, suffix_chars = char_budgets(_fim_tokens(context))
    if syntax_doc is not None and not _is_text_of(syntax_doc, request):
        syntax_doc = None  # a tree for another version would misplace the cursor
    row_of = syntax_doc.row_of if syntax_doc is not None else None
    if request.base:  # a window: rows count from the whole text's start
        row_of = partial(_row_in_window, request)
    parts = split_at_cursor(
        request.text,
        request.offset,
        path=request.path,
        prefix_chars=prefix_chars,
        suffix_chars=suffix_chars,
        row_of=row_of,
        base=request.base,
    )
    if files or repo_name:
        parts = replace(parts, files=files, repo_name=repo_name)
    text, offset = request.text, request.offset
    before, after = text[max(0, offset - SITE_BEFORE) : offset], text[offset : offset + SITE_AFTER]
    language = language_for(request.path, request.language_id)
    shape = decide_shape(before, after, language, completion.multiline, syntax_doc, request.cursor)
    multiline = shape.multiline
    # `never`: nothing past the first newline, this next line included.
    next_line = (
        not multiline
        and completion.next_line
        and completion.multiline != "never"
        and at_line_end(before, after)
    )
    return CompletionPlan(
        prompt=render_fim_prompt(parts),
        cache_key=request.uri,
        multiline=multiline,
        max_tokens=completion.max_tokens,
        # One-line suggestions stop at the newline instead of generating lines to throw away.
        stop=() if multiline else ("\n",),
        parts=parts,
        site=Site(before, after, language, multiline, completion.max_lines, next_line),
        next_line=next_line,
    )


def at_line_end(before: str, after: str) -> bool:
    """The cursor ends a line of code: nothing but whitespace after it on that line."""
    line_prefix, line_suffix = split_lines_at(before, after)
    return bool(line_prefix.strip()) and not line_suffix.strip()


def _is_text_of(doc: SyntaxDocument, request: CompletionRequest) -> bool:
    """Whether `request` was read from `doc` as it is now (a window: by its revision)."""
    if request.revision >= 0:
        return request.revision == doc.revision
    return not request.base and len(request.text) == doc.length and doc.text == request.text


def _row_in_window(request: CompletionRequest, offset: int) -> int:
    return request.base_row + request.text.count("\n", 0, offset)


def format_completion(generated: str, plan: CompletionPlan, completion: CompletionSettings) -> str:
    return postprocess(generated, plan.site)
