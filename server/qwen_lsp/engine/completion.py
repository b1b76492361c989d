"""The inline-completion pipeline as named free functions, each testable alone.

should_complete → build_prompt → (the worker generates) → format_completion
"""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import CompletionSettings, ContextSettings
from .fim import FimParts, char_budgets, render_fim_prompt, split_at_cursor
from .postprocess import Site, postprocess
from .shape import decide_shape
from .syntax import language_for


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """A snapshot of one document at one cursor (offset in code points)."""

    uri: str
    version: int
    path: str
    language_id: str
    text: str
    offset: int


@dataclass(frozen=True, slots=True)
class CompletionPlan:
    prompt: str
    cache_key: str
    multiline: bool
    max_tokens: int
    stop: tuple[str, ...]
    parts: FimParts
    site: Site


def should_complete(request: CompletionRequest) -> bool:
    """Not inside a word, and not in binary content."""
    after = request.text[request.offset : request.offset + 1]
    if after.isalnum() or after == "_":
        return False
    window = request.text[max(0, request.offset - 4096) : request.offset + 4096]
    return "\x00" not in window


def build_prompt(
    request: CompletionRequest, completion: CompletionSettings, context: ContextSettings
) -> CompletionPlan:
    prefix_chars, suffix_chars = char_budgets(context.max_prompt_tokens)
    parts = split_at_cursor(
        request.text,
        request.offset,
        path=request.path,
        prefix_chars=prefix_chars,
        suffix_chars=suffix_chars,
    )
    before, after = request.text[: request.offset], request.text[request.offset :]
    language = language_for(request.path, request.language_id)
    multiline = decide_shape(before, after, language, completion.multiline).multiline
    return CompletionPlan(
        prompt=render_fim_prompt(parts),
        cache_key=request.uri,
        multiline=multiline,
        max_tokens=completion.max_tokens,
        # One-line suggestions stop at the newline instead of generating lines to throw away.
        stop=() if multiline else ("\n",),
        parts=parts,
        site=Site(before, after, language, multiline, completion.max_lines),
    )


def format_completion(generated: str, plan: CompletionPlan, completion: CompletionSettings) -> str:
    return postprocess(generated, plan.site)
