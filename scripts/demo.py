"""`make demo`: run the real qwen-lsp as an editor would, type into a file, show the ghost text.

With $QWEN_LSP_MODEL unset it uses the small test model it builds locally (no download); set
it to a Qwen3-Coder MLX model directory or Hugging Face repo id to see real suggestions.
"""

from __future__ import annotations

import asyncio
import json

from editor_sim import close_editor, default_model, open_editor

EXAMPLE = '''"""Shapes and their areas."""

import math


def square_area(side):
    return side * side


'''
# What the "user" types, in bursts; ghost text is requested after each burst.
TYPING = ["def ", "circle_", "area(", "radius", "):\n", "    return ", "math.", "pi * "]


def show(text: str) -> str:
    return json.dumps(text) if text else "(no suggestion)"


async def main() -> None:
    model = default_model()
    print(f"qwen-lsp demo — model: {model}\n")
    editor = await open_editor(
        model, "examples/shapes.py", EXAMPLE, on_progress=lambda m: print(f"  loading: {m}")
    )
    print("\nTyping into examples/shapes.py; ghost text the server returns at each cursor:\n")
    for burst in TYPING:
        editor.type(burst)
        completion = await editor.complete()
        line = editor.before.rsplit("\n", 1)[-1]
        print(
            f"  {completion.line + 1:>3}:{completion.character:<3} {line!r:<24} → "
            f"{show(completion.text)}  ({completion.round_trip_ms:.0f} ms)"
        )
    stats = await editor.stats()
    await close_editor(editor)
    print("\nqwen.stats:")
    for key in (
        "requests",
        "model_calls",
        "cache_hits",
        "prompt_tokens",
        "reused_prompt_tokens",
        "kv_reuse",
        "generated_tokens",
        "cancelled",
        "latency_ms",
        "ttft_ms",
    ):
        print(f"  {key:<22} {stats[key]}")


if __name__ == "__main__":
    asyncio.run(main())
