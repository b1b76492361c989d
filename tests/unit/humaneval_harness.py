"""HumanEval-Infilling through the completion pipeline with a model stand-in.

The stand-in answers the true middle followed by the over-generation real models produce; the
pipeline must cut it back so that the task's own tests pass. This grades post-processing and
insertion, not a model. Shared by tests/unit/test_humaneval_postprocess.py and
scripts/bench_postprocess.py.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from shared_data import find_shared

from qwen_lsp.engine.completion import (
    CompletionRequest,
    build_prompt,
    format_completion,
    should_complete,
)
from qwen_lsp.settings import CompletionSettings, ContextSettings

try:  # tests/unit may or may not be a package
    from .humaneval_exec import run_programs
except ImportError:
    from humaneval_exec import run_programs  # type: ignore[no-redef]

DATA = "data/humaneval-infilling"
FILES = ("HumanEval-SingleLineInfilling.jsonl.gz", "HumanEval-MultiLineInfilling.jsonl.gz")
# Long holes are graded on cutting, not on the length cap (the cap is a generation budget).
SETTINGS = CompletionSettings(max_lines=64, max_tokens=1024)
CONTEXT = ContextSettings()


def data_dir() -> Path | None:
    """`shared/data/humaneval-infilling` beside the repository (CI has shared/ there too)."""
    return find_shared(DATA) if find_shared(f"{DATA}/{FILES[0]}") else None


def load(name: str) -> list[dict]:
    folder = data_dir()
    if folder is None:
        raise FileNotFoundError(f"no shared/data/humaneval-infilling/{name} beside the repository")
    with gzip.open(folder / name, "rt") as f:
        return [json.loads(line) for line in f]


# --- the over-generation a real model adds after the true middle ---------------------------

FOLLOWING_FUNCTION = "\n\ndef check_helper(values):\n    return sorted(values)\n"


def _suffix_lines(task: dict, count: int) -> str:
    """The suffix's first lines; at the end of a file a model writes the next function instead."""
    lines = [line for line in task["suffix"].split("\n") if line.strip()][:count]
    return "".join(line + "\n" for line in lines) or FOLLOWING_FUNCTION


def _indent_of_last(middle: str) -> str:
    last = middle.rstrip("\n").split("\n")[-1]
    return last[: len(last) - len(last.lstrip())]


def _repeat_suffix(task: dict) -> str:
    return _suffix_lines(task, 3)


def _repeat_suffix_truncated(task: dict) -> str:
    return _suffix_lines(task, 2)[:-7]  # generation stopped by the token cap mid-line


def _closing_line(task: dict) -> str:
    return _indent_of_last(task["canonical_solution"]) + ")]\n"


def _following_function(task: dict) -> str:
    return FOLLOWING_FUNCTION


def _repeat_then_function(task: dict) -> str:
    return _suffix_lines(task, 1) + FOLLOWING_FUNCTION


def _main_guard(task: dict) -> str:
    return f'\n\nif __name__ == "__main__":\n    print({task["entry_point"]})\n'


def _partial_statement(task: dict) -> str:
    """A new statement cut off by the token cap: it would leave a syntax error."""
    return _indent_of_last(task["canonical_solution"]) + "print(sorted(result, key=lambda"


def _next_file(task: dict) -> str:
    return "<|file_sep|>tests/test_solution.py\nimport pytest\n"


def _blank_noise(task: dict) -> str:
    return "\n   \n\n"


OVERGENERATION: tuple[Callable[[dict], str], ...] = (
    _repeat_suffix,
    _closing_line,
    _following_function,
    _repeat_suffix_truncated,
    _repeat_then_function,
    _main_guard,
    _partial_statement,
    _next_file,
    _blank_noise,
)


def stand_in(task: dict, index: int) -> str:
    """The true middle plus one kind of over-generation, picked by task index."""
    middle = task["canonical_solution"]
    kind = OVERGENERATION[index % len(OVERGENERATION)]
    if kind is _closing_line and index % 2:
        # Extra closers on the middle's last line rather than on a line of their own.
        body = middle.rstrip("\n")
        return body + "))" + middle[len(body) :] + FOLLOWING_FUNCTION
    return middle + kind(task)


# --- the pipeline, as the server runs it ----------------------------------------------------


def complete(task: dict, generated: str) -> str | None:
    """Ghost text the server would show at the hole (None: it would not ask the model)."""
    text = task["prompt"] + task["suffix"]
    request = CompletionRequest(
        uri="file:///humaneval/task.py",
        version=1,
        path="/humaneval/task.py",
        language_id="python",
        text=text,
        offset=len(task["prompt"]),
    )
    if not should_complete(request):
        return None
    plan = build_prompt(request, SETTINGS, CONTEXT)
    # The prompt ends with the current line's prefix (empty here): the model continues it.
    assert plan.prompt.endswith("<|fim_middle|>" + plan.parts.line_prefix)
    return format_completion(generated, plan, SETTINGS)


def program(task: dict, inserted: str) -> str:
    return (
        task["prompt"] + inserted + task["suffix"] + "\n" + task["test"]
        + f"\ncheck({task['entry_point']})\n"
    )  # fmt: skip


@dataclass
class Report:
    name: str
    passed: int
    total: int
    failures: list[str]

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def evaluate(name: str, tasks: Iterable[dict] | None = None) -> Report:
    tasks = list(tasks) if tasks is not None else load(name)
    sources = []
    for index, task in enumerate(tasks):
        inserted = complete(task, stand_in(task, index))
        sources.append(program(task, inserted or ""))
    results = run_programs(sources)
    failures = [t["task_id"] for t, ok in zip(tasks, results, strict=True) if not ok]
    return Report(name, len(tasks) - len(failures), len(tasks), failures)
