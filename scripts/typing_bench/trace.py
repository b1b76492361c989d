"""What the simulated person types: spans of real files retyped at human intervals (seeded).

A span is the rest of a line after its indentation (sometimes a few lines; a newline and the
next line's indentation are one keystroke, as an editor auto-indents). Each span is removed from
its file when the files open; the person moves the cursor there and types it back. Every system
sees the same spans, intervals, typos and pauses.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

TYPO_RATE = 0.03  # a wrong key, seen and deleted with Backspace
WORD_PAUSE_RATE = 0.25  # a pause after a word, besides the one at each line's end
MIN_SPAN_CHARS = 12


@dataclass(frozen=True)
class Step:
    """One keystroke of a span: the text it inserts, the wait before it, what follows it."""

    text: str
    delay_s: float
    typo: str = ""  # typed first, then deleted
    pause_s: float = 0.0  # a pause after this keystroke (the person waits for ghost text)


@dataclass(frozen=True)
class Span:
    path: str
    start: int  # offset in the original file
    text: str
    steps: tuple[Step, ...] = field(repr=False)


@dataclass(frozen=True)
class Trace:
    files: dict[str, str]  # original texts, by display path
    spans: tuple[Span, ...]

    @property
    def keystrokes(self) -> int:
        return sum(len(span.steps) for span in self.spans)


def keystroke_delay(rng: random.Random) -> float:
    """Interval between keystrokes of a burst: lognormal around 110 ms (~90 words/min)."""
    return min(0.4, max(0.035, rng.lognormvariate(-2.2, 0.35)))


def _steps(text: str, rng: random.Random) -> tuple[Step, ...]:
    keys, i = [], 0
    while i < len(text):
        j = i + 1
        if text[i] == "\n":  # the newline and the indentation the editor adds
            while j < len(text) and text[j] in " \t":
                j += 1
        keys.append(text[i:j])
        i = j
    steps = []
    for n, key in enumerate(keys):
        last = n == len(keys) - 1
        next_is_line_end = not last and keys[n + 1].startswith("\n")
        word_end = key in " (.,:=" and rng.random() < WORD_PAUSE_RATE
        pause = rng.uniform(0.8, 2.0) if (last or next_is_line_end or word_end) else 0.0
        typo = rng.choice("qxzjk") if key.isalpha() and rng.random() < TYPO_RATE else ""
        steps.append(Step(key, keystroke_delay(rng), typo, pause))
    return tuple(steps)


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    """(start of content, end of line) of lines worth retyping."""
    found, offset = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        content = len(body) - len(body.lstrip())
        if len(body.strip()) >= MIN_SPAN_CHARS and not body.strip().startswith("#"):
            found.append((offset + content, offset + len(body)))
        offset += len(line)
    return found


def build_trace(paths: list[Path], keystrokes: int, seed: int, names: list[str]) -> Trace:
    """Spans from `paths` (shown as `names`) until about `keystrokes` keys are planned."""
    rng = random.Random(seed)
    files = {name: path.read_text("utf-8") for name, path in zip(names, paths, strict=True)}
    chosen: dict[str, list[tuple[int, int]]] = {name: [] for name in names}
    order: list[tuple[str, int, int]] = []
    planned = 0
    while planned < keystrokes:
        name = rng.choice(names)
        lines = _candidate_lines(files[name])
        start, end = rng.choice(lines)
        if rng.random() < 0.3:  # now and then two lines at once
            following = [line for line in lines if line[0] > end]
            if following and following[0][0] - end < 40:
                end = following[0][1]
        taken = chosen[name]
        if any(start < e and s < end for s, e in taken) or len(taken) >= len(lines) // 2:
            if all(len(v) >= len(_candidate_lines(files[n])) // 2 for n, v in chosen.items()):
                break
            continue
        taken.append((start, end))
        order.append((name, start, end))
        planned += end - start
    spans = tuple(
        Span(name, start, files[name][start:end], _steps(files[name][start:end], rng))
        for name, start, end in order
    )
    return Trace(files, spans)


def initial_text(trace: Trace, name: str) -> str:
    """The file as opened: every span of it removed."""
    text = trace.files[name]
    for span in sorted((s for s in trace.spans if s.path == name), key=lambda s: -s.start):
        text = text[: span.start] + text[span.start + len(span.text) :]
    return text


def span_offset(trace: Trace, span: Span, typed: set[int]) -> int:
    """Where `span` starts in its file once the spans numbered in `typed` are back."""
    removed = sum(
        len(other.text)
        for n, other in enumerate(trace.spans)
        if other.path == span.path and other.start < span.start and n not in typed
    )
    return span.start - removed
