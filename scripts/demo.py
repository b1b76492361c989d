"""`make demo`: run the real qwen-lsp as an editor would, type into a file, show the ghost text.

With $QWEN_LSP_MODEL unset it uses the small test model trained locally on tests/fixtures/corpus
(built once, no download), typing into one of the files it learned; set $QWEN_LSP_MODEL to a
Qwen3-Coder MLX model directory or Hugging Face repo id to see a real model's suggestions.
"""

from __future__ import annotations

import asyncio
import json

from editor_sim import REPO, Editor, close_editor, default_model, open_editor

EXAMPLE = REPO / "tests" / "fixtures" / "corpus" / "temperature.py"
# Two function bodies are left out; the demo asks for ghost text at the start of each, then
# "types" part of a suggestion, which the typing-through cache answers without the model.
HOLES = ("    return (fahrenheit - 32) * 5 / 9\n", "        if not self.values:\n")


def show(text: str) -> str:
    return json.dumps(text) if text else "(no suggestion)"


async def suggest(editor: Editor) -> str:
    completion = await editor.complete()
    typed = editor.before.rsplit("\n", 1)[-1]
    print(
        f"  {completion.line + 1:>3}:{completion.character:<3} typed {typed!r:<28} → "
        f"{show(completion.text)}  ({completion.round_trip_ms:.0f} ms)"
    )
    return completion.text


async def main() -> None:
    model = default_model()
    source = EXAMPLE.read_text()
    for hole in HOLES:  # each body line becomes an empty line, the cursor's place
        source = source.replace(hole, "\n", 1)
    first = source.index("\n", source.index("def fahrenheit_to_celsius")) + 1
    before, after = source[:first], source[first:]
    print(f"qwen-lsp demo — model: {model}\n")
    path = str(EXAMPLE.relative_to(REPO))
    editor = await open_editor(
        model, path, before, after, on_progress=lambda m: print(f"  loading: {m}")
    )
    print(f"\nEditing {path} (two lines left out); ghost text at each cursor:\n")
    await suggest(editor)
    for burst in ("    ret", "urn ("):
        editor.type(burst)
        suggestion = await suggest(editor)
    editor.type(suggestion)  # accept it, as Tab would
    # On to the second hole: the empty line after `def mean(self) -> float:`.
    header = "    def mean(self) -> float:\n"
    editor.move(editor.after.index(header) + len(header))
    await suggest(editor)
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
        "latency_ms",
        "ttft_ms",
        "server_overhead_ms",
    ):
        print(f"  {key:<22} {stats[key]}")


if __name__ == "__main__":
    asyncio.run(main())
