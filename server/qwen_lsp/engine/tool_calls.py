"""Tool calls written as `<tool_call>…</tool_call>` text, read with the model's own parser.

The worker passes its tokenizer's `tool_parser`; a remote backend whose server returns the
blocks raw passes mlx-lm's Qwen3-Coder parser (backend/tool_text.py). Pure: no mlx here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

TOOL_CALL_BLOCK = re.compile(r"<tool_call>(.*?)(</tool_call>|$)", re.DOTALL)

# (text between the markers, the request's tools) → {"name", "arguments"} or a list of them
ToolParser = Callable[[str, Any], Any]


def parse_tool_calls(
    text: str, tools: list[dict], parser: ToolParser | None
) -> tuple[list[tuple[str, dict]], list[str]]:
    """(name, arguments) of each well-formed call in `text`, and a message per bad one."""
    calls: list[tuple[str, dict]] = []
    errors: list[str] = []
    for match in TOOL_CALL_BLOCK.finditer(text):
        body, closed = match.group(1), bool(match.group(2))
        if not closed:
            errors.append("unterminated <tool_call> block")
            continue
        if parser is None:
            errors.append("the model's chat template has no tool-call format")
            continue
        try:
            parsed = parser(body.strip(), tools or None)
        except Exception as exc:
            errors.append(f"malformed tool call: {exc}")
            continue
        for call in parsed if isinstance(parsed, list) else [parsed]:
            arguments = call.get("arguments", {})
            if not isinstance(arguments, dict):
                errors.append(f"tool call {call.get('name')!r} has non-object arguments")
                continue
            calls.append((str(call.get("name", "")), arguments))
    return calls, errors
