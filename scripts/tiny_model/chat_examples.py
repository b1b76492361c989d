"""Chat training examples: each code action on each definition of the training files, answered
the way the server wants it (a well-formed `<tool_call>`, or text for "explain").

Prompts are the server's own (`engine.actions.build_messages`, `engine.tools.tools_for`),
rendered by the model's chat template as the worker renders them.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterator

from qwen_lsp.engine import actions, definitions, tools
from qwen_lsp.engine.syntax import language_for
from tiny_model.fim_examples import Encode, Example, SourceFile

Render = Callable[..., str]  # the chat template: (messages, tools=, add_generation_prompt=)

# The user turn (numbered code, the task) counts a little too: learning which line bears which
# number is what a replace_lines answer needs. The system turn, the same every time, does not.
PROMPT_WEIGHT = 0.1
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


def answer(
    req: actions.ActionRequest, d: definitions.Definition
) -> tuple[str, list[tuple[str, dict]]]:
    """(text, tool calls) of a good answer; line numbers are 1-based as the prompt shows."""
    lines = req.text.split("\n")
    first, last = req.start_line + 1, req.end_line + 1
    if req.kind == actions.DOCSTRING:
        return "", [(tools.SET_DOCSTRING, {"symbol": req.symbol, "docstring": f"{words(d.name)}."})]
    if req.kind in (actions.FIX, actions.REFACTOR):
        # The region's first line, rewritten as is: a short answer a tiny model learns quickly,
        # and an edit that always applies and parses.
        args = {"start_line": first, "end_line": first, "new_text": lines[req.start_line]}
        return "", [(tools.REPLACE_LINES, args)]
    if req.kind == actions.TESTS:
        at = min(last + 1, len(lines))
        header = lines[d.start_line]
        indent = header[: len(header) - len(header.lstrip())]
        args = {"line": at, "text": unit_test(req.language, d.name, indent)}
        return "", [(tools.INSERT_TEXT, args)]
    return f"`{d.name}` is a {d.kind} of `{req.path}`: {words(d.name).lower()}.", []


def action_requests(source: SourceFile, rng: random.Random) -> Iterator[tuple]:
    """(request, definition) for every action the server offers on every definition of
    `source`: the cursor on its first line, a diagnostic inside it, a refactor instruction."""
    language = language_for(source.path, "")
    for d in definitions.definitions(language, source.text):
        line = rng.randint(d.start_line, d.end_line)
        problem = actions.Diagnostic(line, line, rng.choice(FIX_PROBLEMS))
        found = actions.offers(language, source.text, d.start_line, d.start_line, False, [problem])
        for offer in found:
            if offer.kind == actions.REFACTOR:
                offer = dataclasses.replace(offer, instruction=rng.choice(REFACTOR_ASKS))
            yield actions.request_for(offer, source.path, language, source.text), d


def chat_example(
    req: actions.ActionRequest, d: definitions.Definition, render: Render, encode: Encode
):
    """The rendered prompt, then the answer up to and including <|im_end|>."""
    messages, offered = actions.build_messages(req), tools.tools_for(req.kind)
    prompt = render(messages, tools=offered or None, add_generation_prompt=True)
    reply = actions.assistant_message(*answer(req, d))
    full = render([*messages, reply], tools=offered or None, add_generation_prompt=False)
    assert full.startswith(prompt), "the template must extend the prompt with the answer"
    target = full[len(prompt) :].removesuffix("\n")
    prompt_ids = encode(prompt)
    # The system turn (with the tool schemas) is the same in every example offering the same
    # tools: a batch of those runs it once. (Batches of one file's examples, sharing its listing
    # too, train faster but learn the actions worse: each step then sees a single file.)
    system_ids = encode(render(messages[:1], tools=offered or None, add_generation_prompt=False))
    shared = len(system_ids) if prompt_ids[: len(system_ids)] == system_ids else 0
    tokens = prompt_ids + encode(target)
    return Example(tokens, len(prompt_ids), PROMPT_WEIGHT, shared, unweighted=len(system_ids))


def chat_examples(
    sources: list[SourceFile], render: Render, encode: Encode, seed: int
) -> Iterator[Example]:
    """An endless seeded stream over every (definition, action kind) of `sources`."""
    rng = random.Random(seed)
    while True:
        source = rng.choice(sources)
        requests = list(action_requests(source, rng))
        yield chat_example(*rng.choice(requests), render, encode)


def rendered_chats(sources: list[SourceFile], render: Render, seed: int) -> list[str]:
    """Every action example once, as text: the tokenizer learns the chat format's words from
    them, so a prompt costs the model fewer tokens."""
    rng, texts = random.Random(seed), []
    for source in sources:
        for req, d in action_requests(source, rng):
            offered = tools.tools_for(req.kind) or None
            messages = [*actions.build_messages(req), actions.assistant_message(*answer(req, d))]
            texts.append(render(messages, tools=offered, add_generation_prompt=False))
    return texts


def same_prefix_batches(examples: Iterator[Example], size: int) -> Iterator[list[Example]]:
    """Batches of `size` examples that share their start (the system turn), in stream order."""
    waiting: dict[tuple[int, ...], list[Example]] = {}
    for example in examples:
        group = waiting.setdefault(tuple(example.tokens[: example.shared]), [])
        group.append(example)
        if len(group) == size:
            yield group.copy()
            group.clear()
