"""Chat training examples: each code action on each definition of the training files, answered
the way the server wants it (a well-formed `<tool_call>`, or text for "explain").

Prompts are the server's own (`engine.actions.build_messages`, `engine.tools.tools_for`),
rendered by the model's chat template as the worker renders them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator

from qwen_lsp.engine import actions, docs, tools
from qwen_lsp.engine.syntax import language_for
from tiny_model.fim_examples import Encode, Example, SourceFile

Render = Callable[..., str]  # the chat template: (messages, tools=, add_generation_prompt=)

FIX_PROBLEMS = ("undefined name", "possible off-by-one error", "unused variable", "line too long")
REFACTOR_ASKS = ("simplify this", "use clearer names", "extract a helper", "add type hints")


def words(symbol: str) -> str:
    """`top_words` / `uniqueSlug` → "Top words" / "Unique slug"."""
    name = symbol.rsplit(".", 1)[-1].strip("_")
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()
    return spaced.capitalize() or "It"


def unit_test(language: str, name: str, indent: str) -> str:
    """A small test, indented like the definition it follows."""
    if language == "python":
        return f"{indent}def test_{name.lower()}():\n{indent}    assert {name}"
    if language == "go":
        return f'func Test{name}(t *testing.T) {{\n\tt.Log("{name}")\n}}'
    return f'test("{name}", () => {{\n  expect({name}).toBeDefined();\n}});'


def answer(req: actions.ActionRequest, d: docs.Definition) -> tuple[str, list[tuple[str, dict]]]:
    """(text, tool calls) of a good answer; line numbers are 1-based as the prompt shows."""
    lines = req.text.split("\n")
    first, last = req.start_line + 1, req.end_line + 1
    if req.kind == actions.DOCSTRING:
        return "", [(tools.SET_DOCSTRING, {"symbol": req.symbol, "docstring": f"{words(d.name)}."})]
    if req.kind in (actions.FIX, actions.REFACTOR):
        region = "\n".join(lines[req.start_line : last])
        args = {"start_line": first, "end_line": last, "new_text": region}
        return "", [(tools.REPLACE_LINES, args)]
    if req.kind == actions.TESTS:
        at = min(last + 1, len(lines))
        header = lines[d.start_line]
        indent = header[: len(header) - len(header.lstrip())]
        args = {"line": at, "text": unit_test(req.language, d.name, indent)}
        return "", [(tools.INSERT_TEXT, args)]
    return f"`{d.name}` is a {d.kind} of `{req.path}`: {words(d.name).lower()}.", []


def action_requests(source: SourceFile, rng: random.Random) -> Iterator[tuple]:
    """(request, definition) for every action kind on every definition of `source`."""
    language = language_for(source.path, "")
    for d in docs.definitions(language, source.text):
        for kind in actions.ACTION_KINDS:
            symbol = d.qualname if kind == actions.DOCSTRING and rng.random() < 0.5 else d.name
            instruction = rng.choice(FIX_PROBLEMS if kind == actions.FIX else REFACTOR_ASKS)
            if kind not in (actions.FIX, actions.REFACTOR):
                instruction = ""
            req = actions.ActionRequest(
                kind=kind,
                path=source.path,
                language=language,
                text=source.text,
                start_line=d.start_line,
                end_line=d.end_line,
                symbol=symbol,
                instruction=instruction,
            )
            yield req, d


def chat_example(req: actions.ActionRequest, d: docs.Definition, render: Render, encode: Encode):
    """The rendered prompt, then the answer up to and including <|im_end|>."""
    messages, offered = actions.build_messages(req), tools.tools_for(req.kind)
    prompt = render(messages, tools=offered or None, add_generation_prompt=True)
    reply = actions.assistant_message(*answer(req, d))
    full = render([*messages, reply], tools=offered or None, add_generation_prompt=False)
    assert full.startswith(prompt), "the template must extend the prompt with the answer"
    target = full[len(prompt) :].removesuffix("\n")
    prompt_ids = encode(prompt)
    return Example(prompt_ids + encode(target), len(prompt_ids))


def chat_examples(
    sources: list[SourceFile], render: Render, encode: Encode, seed: int
) -> Iterator[Example]:
    """An endless seeded stream over every (definition, action kind) of `sources`."""
    rng = random.Random(seed)
    while True:
        source = rng.choice(sources)
        requests = list(action_requests(source, rng))
        yield chat_example(*rng.choice(requests), render, encode)
