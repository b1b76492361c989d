"""Our chat template renders Qwen3-Coder's chat format byte for byte.

Both templates are rendered with jinja2 set up as transformers sets it up for
`apply_chat_template` (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, JSON `tojson`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
from shared_data import require_shared

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "server" / "qwen_lsp" / "data" / "chat_template.jinja"
REFERENCE = "data/qwen3-coder/chat_template.jinja"


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "replace_lines",
            "description": "Replace lines of the current file.\n",
            "parameters": {
                "type": "object",
                "properties": {
                    "start_line": {"type": "integer", "description": "First line (1-based)."},
                    "end_line": {"type": "integer", "description": " Last line. "},
                    "new_text": {"type": "string", "description": "The new lines."},
                },
                "required": ["start_line", "end_line", "new_text"],
            },
        },
    },
    {
        # A bare function (no "type"/"function" wrapper), with every optional schema field.
        "name": "search",
        "description": "Search the workspace.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "minLength": 1, "x-hint": "words"},
                "mode": {"type": "string", "enum": ["exact", "fuzzy", 3], "default": "exact"},
                "paths": {
                    "type": ["array", "null"],
                    "items": {"type": "string", "pattern": "ü$"},
                    "required": ["x"],
                },
                "limit": {"description": "Most results.", "$ref": "#/n", "max count": 10},
            },
            "required": ["query"],
        },
        "return": {"type": "array", "items": {"type": "string"}},
    },
    {
        "type": "function",
        "function": {
            "name": "now",
            "description": "The time.",
            "parameters": {"type": "object", "properties": {}},
            "return": "an ISO date",
        },
    },
]

CONVERSATIONS = {
    "plain": [{"role": "user", "content": "Hello"}],
    "system": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Again\nwith two lines"},
    ],
    "tool_calls": [
        {"role": "system", "content": "You edit code."},
        {"role": "user", "content": "Fix line 3."},
        {
            "role": "assistant",
            "content": "  I will fix it.  ",
            "tool_calls": [
                {
                    "type": "function",
                    "function": {
                        "name": "replace_lines",
                        "arguments": {"start_line": 3, "end_line": 3, "new_text": "x = 1\n"},
                    },
                },
                {"name": "search", "arguments": {"query": "x", "paths": ["a", "b"], "ok": True}},
            ],
        },
        {"role": "tool", "content": "done"},
        {"role": "tool", "content": '{"hits": 2}'},
        {"role": "assistant", "content": "Fixed."},
        {"role": "user", "content": "Thanks"},
        {"role": "assistant", "content": None, "tool_calls": [{"name": "now"}]},
        {"role": "tool", "content": "12:00"},
    ],
    "tool_first": [
        {"role": "tool", "content": "orphan result"},
        {"role": "system", "content": "A late system turn."},
        {"role": "user", "content": "ok"},
    ],
}

CASES = [
    (name, tools, generation)
    for name in CONVERSATIONS
    for tools in (None, TOOLS)
    for generation in (False, True)
]


def _environment() -> ImmutableSandboxedEnvironment:
    """jinja2 as transformers' `_compile_jinja_template` configures it."""

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    env.filters["tojson"] = tojson
    return env


def _render(template: str, messages: list[dict], tools: list | None, generation: bool) -> str:
    # transformers passes `tools=None` and `documents=None` when none are given.
    return (
        _environment()
        .from_string(template)
        .render(messages=messages, tools=tools, documents=None, add_generation_prompt=generation)
    )


@pytest.mark.parametrize(("name", "tools", "generation"), CASES)
def test_renders_like_qwen3_coder(name: str, tools: list | None, generation: bool) -> None:
    reference = require_shared(REFERENCE)
    messages = CONVERSATIONS[name]
    expected = _render(reference.read_text(), messages, tools, generation)
    assert _render(OURS.read_text(), messages, tools, generation) == expected


def test_names_the_qwen3_coder_tool_format() -> None:
    # mlx-lm picks its qwen3_coder tool parser from this marker in the template text.
    assert "<tool_call>\\n<function=" in OURS.read_text()
