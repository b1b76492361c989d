"""mlx-lm's Qwen3-Coder tool-call parser, loaded without importing mlx.

Some servers return `<tool_call><function=…>` text instead of `tool_calls`. The worker reads
those blocks with mlx-lm's parser; this server process never imports mlx, and importing
`mlx_lm.tool_parsers` would (its package `__init__` loads the model code). The parser module
itself needs only `ast`, `json` and `regex`, so it is loaded from its file.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from ..engine.tool_calls import ToolParser


@cache
def qwen3_coder_parser() -> ToolParser | None:
    """`parse_tool_call(text, tools)` of mlx-lm's qwen3_coder module; None if it is missing."""
    package = importlib.util.find_spec("mlx_lm")  # finds the package without running it
    if package is None or not package.submodule_search_locations:
        return None
    path = Path(next(iter(package.submodule_search_locations))) / "tool_parsers/qwen3_coder.py"
    spec = importlib.util.spec_from_file_location("_qwen_lsp_qwen3_coder", path)
    if spec is None or spec.loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_tool_call
