"""Share of keystrokes the typing-through cache answers while a user types what was suggested.

Replays typing real files of this repository (see tests/unit/typing_replay.py) through the
completion pipeline with a stand-in model and prints the cache hit rate, under the default
settings and under a harsher one (one-line suggestions only, every second one wrong halfway).

    .venv/bin/python scripts/bench_typing_cache.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

import typing_replay  # noqa: E402

from qwen_lsp.settings import CompletionSettings  # noqa: E402

FILES = ("server/qwen_lsp/engine/fim.py", "server/qwen_lsp/engine/typing_cache.py")
SCENARIOS = {
    "default settings, every 3rd suggestion wrong": (CompletionSettings(), 3),
    "one-line only, every 2nd suggestion wrong": (CompletionSettings(multiline="never"), 2),
}


def _regions(text: str) -> list[tuple[int, int]]:
    """Each top-level function body typed from its `def` line to the blank line after it."""
    starts = [i + 1 for i in range(len(text)) if text.startswith("\ndef ", i)]
    ends = [text.find("\n\n", s) + 1 for s in starts]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e > s]


def main() -> int:
    for label, (settings, wrong_every) in SCENARIOS.items():
        keys = hits = calls = 0
        for name in FILES:
            text = (ROOT / name).read_text(encoding="utf-8")
            for start, end in _regions(text):
                result = typing_replay.replay(
                    text, start, end, settings=settings, wrong_every=wrong_every
                )
                keys, hits, calls = (
                    keys + result.keystrokes,
                    hits + result.cache_hits,
                    calls + result.model_calls,
                )
        print(f"{label}: {hits}/{keys} keystrokes from the cache = {hits / keys:.1%} "
              f"({calls} model calls)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
