"""The inline-completion pipeline as named free functions, each testable alone.

should_complete → build_prompt → (the worker generates) → format_completion
"""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import CompletionSettings, ContextSettings
from .fim import FimParts, char_budgets, render_fim_prompt, split_at_cursor
from .postprocess import postprocess

BLOCK_OPENERS = (":", "{", "(", "[", "=>", "->", "then", "do")


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


def should_complete(request: CompletionRequest) -> bool:
    """Not inside a word, and not in binary content."""
    after = request.text[request.offset : request.offset + 1]
    if after.isalnum() or after == "_":
        return False
    window = request.text[max(0, request.offset - 4096) : request.offset + 4096]
    return "\x00" not in window


def decide_multiline(parts: FimParts, mode: str) -> bool:
    """Multi-line on an empty line or after a block opener; one line in the middle of a line."""
    if mode != "auto":
        return mode == "always"
    rest_of_line = parts.suffix.split("\n", 1)[0]
    if rest_of_line.strip():
        return False
    typed = parts.line_prefix.rstrip()
    return not typed or typed.endswith(BLOCK_OPENERS)


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
    multiline = decide_multiline(parts, completion.multiline)
    return CompletionPlan(
        prompt=render_fim_prompt(parts),
        cache_key=request.uri,
        multiline=multiline,
        max_tokens=completion.max_tokens,
        # One-line suggestions stop at the newline instead of generating lines to throw away.
        stop=() if multiline else ("\n",),
        parts=parts,
    )


def format_completion(generated: str, plan: CompletionPlan, completion: CompletionSettings) -> str:
    return postprocess(
        generated,
        suffix=plan.parts.suffix,
        multiline=plan.multiline,
        max_lines=completion.max_lines,
    )
