"""`make demo`: the real qwen-lsp over stdio, driven as an editor drives it, step by step.

Ghost text at several cursors, typing through a suggestion (answered by the typing-through
cache), Add docstring (a tool call) as a diff, documentation written on save as a diff, and the
server's statistics. With $QWEN_LSP_MODEL unset it runs the small test model trained on
tests/fixtures/corpus (no download), at places that model learned; set $QWEN_LSP_MODEL to a
Qwen3-Coder MLX model directory or Hugging Face repo id to see that model's answers instead.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import TextIO

import demo_scenario
from editor_sim import default_model

# ANSI SGR codes, used only when stdout is a terminal (and NO_COLOR is unset).
BOLD, DIM, CYAN, GREEN, RED, YELLOW = "1", "2", "36", "32", "31", "33"


class Terminal:
    """Prints the scenario's steps: `→` what the editor sent, `←` what the server answered."""

    def __init__(self, out: TextIO, colour: bool) -> None:
        self.out, self.colour, self.steps = out, colour, 0

    def paint(self, text: str, *codes: str) -> str:
        if not self.colour or not codes:
            return text
        return f"\033[{';'.join(codes)}m{text}\033[0m"

    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def step(self, title: str) -> None:
        self.steps += 1
        self.print()
        self.print(self.paint(f"{self.steps}. {title}", BOLD))

    def sent(self, method: str, detail: str = "") -> None:
        self.print(f"  {self.paint('→', CYAN)} {self.paint(method, CYAN)}  {detail}".rstrip())

    def received(self, method: str, detail: str = "") -> None:
        head = f"{self.paint('←', GREEN)} {self.paint(method, GREEN)}  " if method else ""
        self.print(f"  {head or self.paint('←', GREEN) + ' '}{detail}".rstrip())

    def note(self, text: str) -> None:
        for line in text.split("\n"):
            self.print(f"    {self.paint(line, DIM)}")

    def diff(self, text: str) -> None:
        for line in text.rstrip("\n").split("\n"):
            colour = {"+": GREEN, "-": RED, "@": YELLOW}.get(line[:1], "")
            if line.startswith(("+++", "---")):
                colour = BOLD
            self.print(f"    {self.paint(line, colour) if colour else line}")

    def table(self, rows: list[tuple[str, str]]) -> None:
        for key, value in rows:
            self.print(f"    {key:<22} {value}")


def main() -> None:
    started = time.perf_counter()
    model = default_model()
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    show = Terminal(sys.stdout, colour)
    which = "$QWEN_LSP_MODEL" if os.environ.get("QWEN_LSP_MODEL") else "the trained test model"
    show.print(show.paint(f"qwen-lsp demo — model: {model} ({which})", BOLD))
    asyncio.run(demo_scenario.run(model, show))
    show.print(f"\nDemo finished in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
