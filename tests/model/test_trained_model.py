"""The trained test model has learned its corpus: holes come back exact, actions are tool calls.

Generation goes straight through mlx-lm on the server's own prompts; the end-to-end checks
through the language server live with the protocol tests.
"""

from __future__ import annotations

import random
from pathlib import Path

import mlx_lm
import pytest
from models import TRAINING_FILES, trained_model_dir

from qwen_lsp.engine import actions, completion, docs, tools
from qwen_lsp.engine.fim import cut_at_stop_markers
from qwen_lsp.engine.syntax import language_for
from qwen_lsp.settings import CompletionSettings, ContextSettings

pytestmark = pytest.mark.model

HOLES = 50
EXACT_SHARE = 0.8


@pytest.fixture(scope="module")
def loaded():
    return mlx_lm.load(str(trained_model_dir()))


def generate(loaded, prompt: str, max_tokens: int) -> str:
    """Greedy text. Decoded from the tokens: mlx-lm's streaming detokenizer drops a leading
    space of the first chunk, which would eat one space of indentation."""
    model, tokenizer = loaded
    tokens = []
    for response in mlx_lm.stream_generate(
        model, tokenizer, tokenizer.encode(prompt), max_tokens=max_tokens
    ):
        if response.token in tokenizer.eos_token_ids:
            break
        tokens.append(response.token)
    return tokenizer.decode(tokens)


def single_line_holes(count: int, seed: int) -> list[tuple[Path, str, int, str]]:
    """(file, text with one non-blank line emptied, cursor at that line's start, the line)."""
    rng = random.Random(seed)
    holes = []
    for _ in range(count):
        path = rng.choice(TRAINING_FILES)
        lines = path.read_text(encoding="utf-8").split("\n")
        index = rng.choice([i for i, line in enumerate(lines) if line.strip()])
        offset = sum(len(line) + 1 for line in lines[:index])
        text = "\n".join([*lines[:index], "", *lines[index + 1 :]])
        holes.append((path, text, offset, lines[index]))
    return holes


def test_fills_single_line_holes_with_the_original_line(loaded) -> None:
    misses = []
    for path, text, offset, line in single_line_holes(HOLES, seed=1):
        request = completion.CompletionRequest(path.as_uri(), 1, path.name, "", text, offset)
        plan = completion.build_prompt(request, CompletionSettings(), ContextSettings())
        got = cut_at_stop_markers(generate(loaded, plan.prompt, 48)).split("\n")[0]
        if got != line:
            misses.append((path.name, line, got))
    assert len(misses) <= HOLES * (1 - EXACT_SHARE), misses


def action_requests() -> list[actions.ActionRequest]:
    """Every action kind on the first and last definition of each training file."""
    requests = []
    for path in TRAINING_FILES:
        text = path.read_text(encoding="utf-8")
        language = language_for(path.name, "")
        found = docs.definitions(language, text)
        for d in {found[0], found[-1]}:
            for kind in actions.ACTION_KINDS:
                requests.append(
                    actions.ActionRequest(
                        kind,
                        path.name,
                        language,
                        text,
                        d.start_line,
                        d.end_line,
                        d.name,
                        "simplify this" if kind in (actions.FIX, actions.REFACTOR) else "",
                    )
                )
    return requests


@pytest.mark.parametrize(
    "request_", action_requests(), ids=lambda r: f"{r.path}:{r.symbol}:{r.kind}"
)
def test_answers_actions_with_parsable_tool_calls(loaded, request_) -> None:
    _, tokenizer = loaded
    offered = tools.tools_for(request_.kind)
    prompt = tokenizer.apply_chat_template(
        actions.build_messages(request_), tools=offered, add_generation_prompt=True, tokenize=False
    )
    answer = generate(loaded, prompt, 256)
    if request_.kind == actions.EXPLAIN:
        assert answer.strip() and "<tool_call>" not in answer
        return
    assert answer.startswith("<tool_call>\n") and answer.endswith("</tool_call>"), answer
    call = tokenizer.tool_parser(
        answer.removeprefix("<tool_call>\n").removesuffix("</tool_call>"), offered
    )
    assert call["name"] == tools.tool_names(request_.kind)[0]
    assert set(call["arguments"]) == set(tools.param_types(call["name"]))
