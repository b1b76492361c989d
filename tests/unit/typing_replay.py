"""A user typing a real file while suggestions come from a stand-in model.

The user types the file's true text one keystroke at a time (a newline with the editor's
auto-indent is one keystroke). Before each request the typing-through cache is asked; on a miss
the stand-in "model" answers with the true continuation, wrong halfway through on every third
call by default, as real suggestions sometimes are. Shared by tests/unit/test_typing_cache.py
and scripts/bench_typing_cache.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qwen_lsp.engine.completion import (
    CompletionRequest,
    build_prompt,
    format_completion,
    should_complete,
)
from qwen_lsp.engine.typing_cache import TypingCache
from qwen_lsp.settings import CompletionSettings, ContextSettings

SETTINGS = CompletionSettings()
CONTEXT = ContextSettings()


@dataclass
class ReplayResult:
    keystrokes: int = 0
    requests: int = 0
    cache_hits: int = 0
    model_calls: int = 0

    @property
    def hit_rate(self) -> float:
        return self.cache_hits / self.keystrokes if self.keystrokes else 0.0


def keystrokes(text: str) -> list[str]:
    """Characters, with a newline and the indentation after it as one keystroke."""
    return re.findall(r"\n[ \t]*|.", text, flags=re.DOTALL)


def _stand_in(truth_after: str, call: int, multiline: bool, wrong_every: int) -> str:
    lines = truth_after.split("\n")
    answer = "\n".join(lines[:3]) if multiline else lines[0]
    if call % wrong_every == wrong_every - 1 and len(answer) > 8:
        return answer[: len(answer) // 2] + "wrong_guess()"
    return answer


def replay(
    final_text: str,
    start: int,
    end: int,
    *,
    settings: CompletionSettings = SETTINGS,
    wrong_every: int = 3,
) -> ReplayResult:
    """Type final_text[start:end] into the document that lacks it, asking at every keystroke."""
    cache = TypingCache()
    result = ReplayResult()
    uri = "file:///project/replay.py"
    typed = final_text[:start]
    for key in keystrokes(final_text[start:end]):
        typed += key
        result.keystrokes += 1
        text = typed + final_text[end:]
        request = CompletionRequest(uri, result.keystrokes, "/project/replay.py", "python", text,
                                    len(typed))  # fmt: skip
        if not should_complete(request):
            continue
        result.requests += 1
        before, after = text[: len(typed)], text[len(typed) :]
        if cache.lookup(uri, before, after) is not None:
            result.cache_hits += 1
            continue
        plan = build_prompt(request, settings, CONTEXT)
        truth = final_text[len(typed) :]
        generated = _stand_in(truth, result.model_calls, plan.multiline, wrong_every)
        result.model_calls += 1
        suggestion = format_completion(generated, plan, settings)
        cache.remember(uri, before, after, suggestion)
    return result
