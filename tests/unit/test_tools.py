"""Tool schemas, rendered through Qwen3-Coder's own chat template, and parsed back."""

from __future__ import annotations

import jinja2
import pytest
from mlx_lm.tool_parsers import qwen3_coder
from shared_data import require_shared

from qwen_lsp.engine import actions, tools

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def template() -> jinja2.Template:
    path = require_shared("data/qwen3-coder/chat_template.jinja")
    # transformers renders chat templates with these options.
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    return env.from_string(path.read_text())


def _request(kind: str) -> actions.ActionRequest:
    text = "def add(a, b):\n    return a + b\n"
    return actions.ActionRequest(kind, "calc.py", "python", text, 0, 1, symbol="add")


def test_every_kind_has_its_tools() -> None:
    names = {t["function"]["name"] for t in tools.TOOLS}
    assert names == {*tools.EDIT_TOOLS, *tools.READ_TOOLS}
    for kind in actions.ACTION_KINDS:
        offered = [t["function"]["name"] for t in tools.tools_for(kind)]
        assert set(tools.READ_TOOLS) <= set(offered)
    assert tools.tools_for("explain") == [tools.tool_schema(n) for n in tools.READ_TOOLS]
    assert tools.tools_for("nonsense") == []


def test_schemas_render_in_qwen3_coder_format(template: jinja2.Template) -> None:
    req = _request("fix")
    out = template.render(
        messages=actions.build_messages(req),
        tools=tools.tools_for("fix"),
        add_generation_prompt=True,
    )
    assert out.startswith("<|im_start|>system\n" + actions.SYSTEM_PROMPT)
    assert "You have access to the following functions:\n\n<tools>\n<function>\n" in out
    assert (
        "<function>\n<name>replace_lines</name>\n<description>Replace lines start_line..end_line"
        in out
    )
    assert (
        "<parameter>\n<name>start_line</name>\n<type>integer</type>\n"
        "<description>First line to replace (1-based).</description>\n</parameter>" in out
    )
    assert "<name>new_text</name>\n<type>string</type>" in out
    assert "<required>[`start_line`, `end_line`, `new_text`]</required>\n</parameters>" in out
    assert "<name>read_definition</name>" in out and "<name>set_docstring</name>" not in out
    assert out.count("<function>\n<name>") == len(tools.tools_for("fix"))
    assert "\n</tools>\n\nIf you choose to call a function ONLY reply" in out
    assert "<|im_start|>user\nFile: calc.py (python), lines 1-2 of 2:\n```python\n" in out
    assert "1| def add(a, b):\n2|     return a + b\n```" in out
    assert out.endswith("<|im_end|>\n<|im_start|>assistant\n")


def test_history_renders_and_parses_back(template: jinja2.Template) -> None:
    """A tool call in history renders as Qwen3-Coder writes it; mlx-lm's parser reads it back."""
    args = {"start_line": 2, "end_line": 2, "new_text": "    return b + a"}
    messages = [
        *actions.build_messages(_request("refactor")),
        actions.assistant_message("", [("read_lines", {"start_line": 1, "end_line": 2})]),
        actions.tool_message("1| def add(a, b):"),
        actions.assistant_message("", [("replace_lines", args)]),
    ]
    out = template.render(messages=messages, tools=tools.tools_for("refactor"))
    assert "<|im_start|>user\n<tool_response>\n1| def add(a, b):\n</tool_response>\n" in out
    block = out.rsplit("<tool_call>", 1)[1].split("</tool_call>", 1)[0]
    assert block.startswith("\n<function=replace_lines>\n<parameter=start_line>\n2\n</parameter>")
    parsed = qwen3_coder.parse_tool_call(block.strip(), tools.TOOLS)
    assert parsed == {"name": "replace_lines", "arguments": args}


def test_param_types() -> None:
    assert tools.param_types("insert_text") == {"line": "integer", "text": "string"}
    assert tools.param_types("rm_rf") == {}
