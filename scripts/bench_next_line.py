"""How often the trained test model's next-line suggestion is the line that comes next.

    .venv/bin/python scripts/bench_next_line.py [--model build/trained-model]

At the end of every line of tests/fixtures/corpus that a line of code follows, that following
line removed, the server's own plan (engine.completion) is sent to the real worker and the
answer post-processed as a keystroke's would be. Counts the next-line cases (the other line
ends are block openers: multi-line already), and among them the suggestions that are the
removed line, another text, or nothing; and the tokens each generated.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from pathlib import Path

from qwen_lsp import messages as m
from qwen_lsp.backend import BackendState, PipeBackend, WorkerSpec
from qwen_lsp.engine.completion import CompletionRequest, build_prompt, format_completion
from qwen_lsp.settings import CompletionSettings, ContextSettings

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "fixtures" / "corpus"


class _Quiet:
    def on_state(self, state: BackendState, detail: str) -> None: ...
    def on_progress(self, progress: m.Progress) -> None: ...
    def on_done(self, done: m.Done) -> None: ...
    def on_log(self, line: str) -> None: ...


def line_ends(text: str) -> list[tuple[str, int, str]]:
    """(text with the line after removed, the cursor at the end of the line before, that line)."""
    lines, found = text.split("\n"), []
    for row in range(len(lines) - 1):
        if lines[row].strip() and lines[row + 1].strip():
            kept = lines[: row + 1] + lines[row + 2 :]
            offset = sum(len(line) + 1 for line in kept[:row]) + len(kept[row])
            found.append(("\n".join(kept), offset, lines[row + 1]))
    return found


async def measure(model: Path) -> None:
    backend = PipeBackend(WorkerSpec(model=str(model)), _Quiet())
    await backend.start()
    counts = dict.fromkeys(("line ends", "next-line cases", "the removed line", "other", "none"), 0)
    tokens = []
    for path in sorted(CORPUS.iterdir()):
        for text, offset, removed in line_ends(path.read_text("utf-8")):
            counts["line ends"] += 1
            request = CompletionRequest(path.as_uri(), 1, path.name, "", text, offset)
            plan = build_prompt(request, CompletionSettings(), ContextSettings(), repo_name="demo")
            if not plan.next_line:
                continue
            counts["next-line cases"] += 1
            done = await backend.request(
                m.Generate(
                    id=0,
                    prompt=plan.prompt,
                    cache_key=path.name,
                    stop=list(plan.stop),
                    stop_after_space=plan.next_line,
                )
            )
            tokens.append(done.usage.generated_tokens)
            shown = format_completion(done.text, plan, CompletionSettings())
            kind = "the removed line" if shown == "\n" + removed else "other" if shown else "none"
            counts[kind] += 1
    await backend.stop()
    print(counts)
    if tokens:
        print(f"generated tokens per next-line request: mean {statistics.mean(tokens):.1f}, "
              f"max {max(tokens)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "build" / "trained-model")
    asyncio.run(measure(parser.parse_args().model))


if __name__ == "__main__":
    main()
