"""Tool schemas the model may call during a code action (OpenAI function format).

Stable API, shared with the test-model trainer:
- `TOOLS`: every tool, in a fixed order; `EDIT_TOOLS` / `READ_TOOLS`: their names.
- `tools_for(kind)`: the tools offered to one action kind (see `engine.actions.ACTION_KINDS`).

Line numbers in every tool are 1-based and inclusive, as the prompts show them.
Edit tools change the target document only; read-only tools return text that goes back to the
model as a `role: "tool"` message.
"""

from __future__ import annotations

REPLACE_LINES = "replace_lines"
INSERT_TEXT = "insert_text"
SET_DOCSTRING = "set_docstring"
READ_LINES = "read_lines"
READ_DEFINITION = "read_definition"

EDIT_TOOLS = (REPLACE_LINES, INSERT_TEXT, SET_DOCSTRING)
READ_TOOLS = (READ_LINES, READ_DEFINITION)


def _function(name: str, description: str, params: dict[str, tuple[str, str]]) -> dict:
    """One schema; `params` maps a parameter name to (JSON type, description); all required."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {p: {"type": t, "description": d} for p, (t, d) in params.items()},
                "required": list(params),
            },
        },
    }


TOOLS: list[dict] = [
    _function(
        REPLACE_LINES,
        "Replace lines start_line..end_line (1-based, inclusive) of the current file with "
        "new_text. Only lines inside the target region may be replaced.",
        {
            "start_line": ("integer", "First line to replace (1-based)."),
            "end_line": ("integer", "Last line to replace (inclusive)."),
            "new_text": ("string", "The new lines, without line numbers."),
        },
    ),
    _function(
        INSERT_TEXT,
        "Insert text before the given line (1-based) of the current file; a line one past "
        "the last line appends at the end.",
        {
            "line": ("integer", "The line the text is inserted before (1-based)."),
            "text": ("string", "The lines to insert, without line numbers."),
        },
    ),
    _function(
        SET_DOCSTRING,
        "Set the documentation of a function, method or class in the current file. Give the "
        "documentation text only: no comment markers, quotes or indentation.",
        {
            "symbol": ("string", "Name of the function, method or class."),
            "docstring": ("string", "The documentation text."),
        },
    ),
    _function(
        READ_LINES,
        "Read lines start_line..end_line (1-based, inclusive) of the current file.",
        {
            "start_line": ("integer", "First line to read (1-based)."),
            "end_line": ("integer", "Last line to read (inclusive)."),
        },
    ),
    _function(
        READ_DEFINITION,
        "Read the definition of a function, class or variable by name, from the open files "
        "of the workspace.",
        {"name": ("string", "The name to look up.")},
    ),
]

_BY_NAME = {t["function"]["name"]: t for t in TOOLS}

# Which tools each action kind is offered; read-only tools come last so that the edit tool the
# action is about leads the list.
_KIND_TOOLS: dict[str, tuple[str, ...]] = {
    "docstring": (SET_DOCSTRING, *READ_TOOLS),
    "fix": (REPLACE_LINES, *READ_TOOLS),
    "refactor": (REPLACE_LINES, *READ_TOOLS),
    "tests": (INSERT_TEXT, *READ_TOOLS),
    "explain": READ_TOOLS,
}


def tool_schema(name: str) -> dict | None:
    return _BY_NAME.get(name)


def tools_for(kind: str) -> list[dict]:
    """The tool schemas offered to an action kind; unknown kinds get none."""
    return [_BY_NAME[name] for name in _KIND_TOOLS.get(kind, ())]


def tool_names(kind: str) -> tuple[str, ...]:
    return _KIND_TOOLS.get(kind, ())


def param_types(name: str) -> dict[str, str]:
    """Parameter name → JSON type of one tool (empty for an unknown tool)."""
    schema = _BY_NAME.get(name)
    if schema is None:
        return {}
    props = schema["function"]["parameters"]["properties"]
    return {p: f["type"] for p, f in props.items()}
