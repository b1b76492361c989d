"""Qwen3-Coder fill-in-the-middle prompts in the cache-friendly layout.

Stable context comes first (repo files as `<|file_sep|>` sections), then the lines above the
cursor as the prefix, the rest of the current line plus the lines below as the suffix, and the
current line up to the cursor AFTER `<|fim_middle|>`: typing then only changes the prompt's tail,
so the worker's KV cache keeps serving almost all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

FIM_PREFIX = "<|fim_prefix|>"
FIM_MIDDLE = "<|fim_middle|>"
FIM_SUFFIX = "<|fim_suffix|>"
FIM_PAD = "<|fim_pad|>"
REPO_NAME = "<|repo_name|>"
FILE_SEP = "<|file_sep|>"
END_OF_TEXT = "<|endoftext|>"
IM_END = "<|im_end|>"

# Qwen's own FIM examples stop on all of these; the worker stops on their token ids.
STOP_MARKERS = (
    FIM_PREFIX,
    FIM_MIDDLE,
    FIM_SUFFIX,
    FIM_PAD,
    REPO_NAME,
    FILE_SEP,
    IM_END,
    END_OF_TEXT,
)

CHARS_PER_TOKEN = 3.2  # code averages ~3-4 characters per BPE token; budgets are approximate
PREFIX_SHARE = 0.75  # prefix:suffix about 3:1
PREFIX_LINE_STEP = 16  # the prefix start moves in steps of lines so it stays put while typing
LONG_LINE_STEP = 1024  # ...and within a line longer than the budget (minified), in characters


@dataclass(frozen=True, slots=True)
class RepoFile:
    path: str
    text: str


@dataclass(frozen=True, slots=True)
class FimParts:
    """A document cut at the cursor, trimmed to a budget."""

    path: str
    prefix: str  # whole lines above the cursor's line
    line_prefix: str  # the cursor's line up to the cursor
    suffix: str  # the rest of the cursor's line and the lines below
    repo_name: str = ""
    files: tuple[RepoFile, ...] = ()


def char_budgets(max_prompt_tokens: int) -> tuple[int, int]:
    """(prefix, suffix) character budgets for a prompt of about `max_prompt_tokens`."""
    total = int(max_prompt_tokens * CHARS_PER_TOKEN)
    prefix = int(total * PREFIX_SHARE)
    return prefix, total - prefix


def split_at_cursor(
    text: str,
    offset: int,
    *,
    path: str,
    prefix_chars: int,
    suffix_chars: int,
    row_of: Callable[[int], int] | None = None,
    base: int = 0,
) -> FimParts:
    """Cut `text` at `offset` (code points) into prefix / line prefix / suffix within budgets.

    `row_of(offset)`, the line an offset is on, saves counting lines from the start of a big
    file (a document's line index knows it). `base`: `text` is a window of a bigger text from
    this offset on (`row_of` then gives the bigger text's rows)."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    if offset - line_start > prefix_chars:  # a minified line: its end fills the budget alone
        cut = -(-(base + offset - prefix_chars) // LONG_LINE_STEP) * LONG_LINE_STEP - base
        prefix, line_start = "", max(line_start, cut)
    else:
        prefix = _trim_prefix(text, line_start, prefix_chars, row_of)
    return FimParts(
        path=path,
        prefix=prefix,
        line_prefix=text[line_start:offset],
        suffix=_trim_suffix(text, offset, suffix_chars),
    )


# Both trims work on offsets into the whole text: a 10 MB document is never copied whole.


def _trim_prefix(
    text: str, end: int, budget: int, row_of: Callable[[int], int] | None = None
) -> str:
    """The lines above the cursor, text[:end], cut to `budget`: whole lines dropped from the
    start, in steps, so the start moves rarely while typing."""
    if end <= budget:
        return text[:end]
    earliest = end - budget
    # The index of the first line that starts in budget
    first = row_of(earliest) if row_of is not None else text.count("\n", 0, earliest)
    start = earliest  # ...and where it starts
    if text[earliest - 1] != "\n":
        first += 1
        start = text.find("\n", earliest, end) + 1
    snapped = -(-first // PREFIX_LINE_STEP) * PREFIX_LINE_STEP
    if snapped >= text.count("\n", start, end) + first:
        return text[start:end]
    for _ in range(snapped - first):  # fewer than PREFIX_LINE_STEP lines on from `start`
        start = text.find("\n", start, end) + 1
    return text[start:end]


def _trim_suffix(text: str, start: int, budget: int) -> str:
    """text[start:] cut to `budget` at a line end when there is one."""
    if len(text) - start <= budget:
        return text[start:]
    cut = text.rfind("\n", start, start + budget)
    return text[start : cut + 1] if cut >= 0 else text[start : start + budget]


def render_fim_prompt(parts: FimParts) -> str:
    """The raw PSM prompt string (never wrapped in the chat template)."""
    head = ""
    if parts.repo_name or parts.files:
        sections = "".join(f"{FILE_SEP}{f.path}\n{f.text}\n" for f in parts.files)
        head = f"{REPO_NAME}{parts.repo_name}\n{sections}{FILE_SEP}{parts.path}\n"
    return (
        f"{head}{FIM_PREFIX}{parts.prefix}{FIM_SUFFIX}{parts.suffix}{FIM_MIDDLE}{parts.line_prefix}"
    )


def cut_at_stop_markers(generated: str) -> str:
    """Text before the first FIM/repo/end marker (markers are not all special tokens)."""
    cut = len(generated)
    for marker in STOP_MARKERS:
        index = generated.find(marker)
        if index != -1:
            cut = min(cut, index)
    return generated[:cut]


def parse_fim_prompt(prompt: str) -> FimParts | None:
    """The parts `render_fim_prompt` wrote (for servers that take them apart, like llama.cpp's
    /infill); None for a prompt in another layout."""
    head, sep, rest = prompt.partition(FIM_PREFIX)
    prefix, sep2, rest = rest.partition(FIM_SUFFIX)
    suffix, sep3, line_prefix = rest.partition(FIM_MIDDLE)
    if not (sep and sep2 and sep3) or any(m in line_prefix for m in STOP_MARKERS):
        return None
    if not head:
        return FimParts(path="", prefix=prefix, line_prefix=line_prefix, suffix=suffix)
    if not head.startswith(REPO_NAME) or not head.endswith("\n"):
        return None
    repo_name, _, sections = head[len(REPO_NAME) :].partition("\n")
    chunks = sections.split(FILE_SEP)[1:]
    if not chunks:
        return None
    files = []
    for chunk in chunks[:-1]:
        path, _, text = chunk.partition("\n")
        files.append(RepoFile(path=path, text=text.removesuffix("\n")))
    return FimParts(
        path=chunks[-1].removesuffix("\n"),
        prefix=prefix,
        line_prefix=line_prefix,
        suffix=suffix,
        repo_name=repo_name,
        files=tuple(files),
    )
