"""FIM training examples in the exact prompt layout the server sends.

Prompts come from the server's own `qwen_lsp.engine.completion.build_prompt` with default
settings, so the training layout cannot drift from what the server sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from qwen_lsp.engine import completion, fim
from qwen_lsp.settings import CompletionSettings, ContextSettings

Encode = Callable[[str], list[int]]


# FIM prompts are the training file's own text: learning them (at a lower weight) is how the
# model memorises the files, which the holes then recall.
FIM_PROMPT_WEIGHT = 0.3


@dataclass(frozen=True)
class Example:
    """Tokens whose tail from `first_target` on is what the model must write; the prompt's own
    next-token loss counts `prompt_weight` as much, from token `unweighted` on (before it: not
    at all). The first `shared` tokens are the same in every example of its group (a chat's
    system turn): a batch computes them once."""

    tokens: list[int]
    first_target: int
    prompt_weight: float = 0.0
    shared: int = 0
    unweighted: int = 0


@dataclass(frozen=True)
class SourceFile:
    path: str
    text: str

    @classmethod
    def read(cls, path: Path) -> SourceFile:
        return cls(path.name, path.read_text(encoding="utf-8"))

    def line_spans(self) -> list[tuple[int, int]]:
        """(start, end) offsets of every non-blank line, newline excluded."""
        spans, start = [], 0
        for line in self.text.split("\n"):
            if line.strip():
                spans.append((start, start + len(line)))
            start += len(line) + 1
        return spans


# The server names the workspace folder (`<|repo_name|>`) when it has one: train with and without.
REPO_NAMES = ("", "demo", "project", "src", "work")


def fim_prompt(text: str, offset: int, path: str, repo_name: str = "") -> str:
    """The server's prompt for a document `text` with the cursor at `offset`."""
    request = completion.CompletionRequest(path, 0, path, "", text, offset)
    settings = CompletionSettings(), ContextSettings()
    return completion.build_prompt(request, *settings, repo_name=repo_name).prompt


def fim_example(
    source: SourceFile, start: int, end: int, encode: Encode, repo_name: str = ""
) -> Example:
    """Cut text[start:end] out; the model must write it back, then <|endoftext|>."""
    document = source.text[:start] + source.text[end:]
    prompt = encode(fim_prompt(document, start, source.path, repo_name))
    middle = encode(source.text[start:end] + fim.END_OF_TEXT)
    return Example(prompt + middle, len(prompt), FIM_PROMPT_WEIGHT)


def random_span(source: SourceFile, rng: random.Random) -> tuple[int, int]:
    """A hole like those met while typing: mostly the rest of one line, sometimes more lines.

    The cursor sits at the line start, after the indentation (editors auto-indent), or inside.
    """
    spans = source.line_spans()
    index = rng.randrange(len(spans))
    start, end = spans[index]
    line = source.text[start:end]
    indent = len(line) - len(line.lstrip())
    roll = rng.random()
    if roll < 0.5:
        cursor = start
    elif roll < 0.75:
        cursor = start + indent
    else:
        cursor = rng.randrange(start + indent, end)
    if rng.random() < 0.15:
        end = spans[min(len(spans) - 1, index + rng.randint(1, 3))][1]
    return cursor, end


def fim_examples(sources: list[SourceFile], encode: Encode, seed: int) -> Iterator[Example]:
    """An endless seeded stream of FIM examples over all non-blank lines of `sources`."""
    rng = random.Random(seed)
    weights = [len(s.line_spans()) for s in sources]
    while True:
        source = rng.choices(sources, weights)[0]
        start, end = random_span(source, rng)
        yield fim_example(source, start, end, encode, rng.choice(REPO_NAMES))
