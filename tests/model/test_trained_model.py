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
from tiny_model import chat_examples
from tiny_model.fim_examples import SourceFile

from qwen_lsp.engine import actions, completion, tools
from qwen_lsp.engine.fim import cut_at_stop_markers
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


# Every action the server offers on every definition of the corpus (the trainer's own request
# builder: engine.actions.offers + request_for), answered greedily, must be a well-formed call:
# exactly one `<tool_call>` that mlx-lm's qwen3_coder parser reads, naming the action's tool with
# all its arguments. (Whether the arguments are right, e.g. the lines inside the target, is
# scripts/bench_actions.py's figure and the protocol tests' business.)
TOOL_KINDS = (actions.DOCSTRING, actions.FIX, actions.REFACTOR, actions.TESTS)


def action_requests(kind: str) -> list[actions.ActionRequest]:
    """`kind` wherever the server offers it on the corpus (a diagnostic inside each
    definition for Fix, an instruction for Refactor)."""
    rng = random.Random(0)
    found = []
    for path in TRAINING_FILES:
        source = SourceFile.read(path)
        found += [req for req, _ in chat_examples.action_requests(source, rng) if req.kind == kind]
    return found


def answer(loaded, request_: actions.ActionRequest) -> str:
    _, tokenizer = loaded
    prompt = tokenizer.apply_chat_template(
        actions.build_messages(request_),
        tools=tools.tools_for(request_.kind),
        add_generation_prompt=True,
        tokenize=False,
    )
    return generate(loaded, prompt, 160)


def well_formed(loaded, request_: actions.ActionRequest, text: str) -> bool:
    _, tokenizer = loaded
    if not (text.startswith("<tool_call>\n") and text.endswith("</tool_call>")):
        return False
    offered = tools.tools_for(request_.kind)
    try:
        call = tokenizer.tool_parser(
            text.removeprefix("<tool_call>\n").removesuffix("</tool_call>"), offered
        )
    except ValueError:
        return False
    expected = tools.tool_names(request_.kind)[0]
    return call["name"] == expected and set(call["arguments"]) == set(tools.param_types(expected))


@pytest.mark.parametrize("kind", TOOL_KINDS)
def test_answers_actions_with_parsable_tool_calls(loaded, kind: str) -> None:
    requests = action_requests(kind)
    answers = [(r, answer(loaded, r)) for r in requests]
    bad = [(r.path, r.start_line + 1) for r, text in answers if not well_formed(loaded, r, text)]
    print(f"{kind}: {len(requests) - len(bad)}/{len(requests)} well-formed tool calls")
    assert len(requests) >= 20  # every definition of the corpus (tests: functions only)
    assert not bad, bad


def test_explains_in_prose_without_tool_calls(loaded) -> None:
    for request_ in action_requests(actions.EXPLAIN):
        text = answer(loaded, request_)
        assert text.strip() and "<tool_call>" not in text, (request_.symbol, text)
