"""`make demo`'s own scenario (scripts/demo_scenario.py) against the trained test model: every
step must show what the product does, so a demo that shows noise, no cache hit or no edit fails.

The expected texts come from the corpus and from what the model was taught to answer
(scripts/tiny_model/chat_examples.py: a docstring is the name in words), not from a past run.
"""

from __future__ import annotations

import io

import demo_scenario as demo
import pytest
from demo import Terminal
from models import trained_model_dir
from tiny_model.chat_examples import words

pytestmark = pytest.mark.model


def documented(text: str, symbol: str) -> str:
    """`text` with the one-line docstring the model learned for `symbol` under its header."""
    body = text.index("\n", text.index(f"def {symbol}(")) + 1
    first = text[body : text.index("\n", body)]
    indent = first[: len(first) - len(first.lstrip())]
    return f'{text[:body]}{indent}"""{words(symbol)}."""\n{text[body:]}'


async def test_the_demo_shows_every_step_with_the_right_text():
    out = io.StringIO()
    record = await demo.run(str(trained_model_dir()), Terminal(out, colour=False))
    shown = out.getvalue()

    # The model loads, with its progress reported as it goes.
    assert len(record.loading) >= 3 and any(r.endswith("(100%)") for r in record.loading)

    # Ghost text at each hole is that line as written, from one model call each.
    original = (demo.CORPUS / demo.GHOST_FILE).read_text(encoding="utf-8")
    lines = original.split("\n")
    assert len(demo.HOLES) >= 3
    assert [g.text for g in record.ghosts] == [lines[n - 1].lstrip() for n in demo.HOLES]
    assert all((g.model_calls, g.cache_hits) == (1, 0) for g in record.ghosts)

    # Typing through a suggestion: each keystroke is answered by the typing-through cache with
    # the rest of that suggestion, and no model call.
    suggestion = record.ghosts[demo.HOLES.index(demo.TYPE_THROUGH)].text
    assert [t.text for t in record.typed] == [suggestion[i:] for i in range(1, demo.TYPED + 1)]
    assert all((t.model_calls, t.cache_hits) == (0, 1) for t in record.typed)
    assert record.ghost_text == original  # every accepted suggestion was the right line

    # Add docstring: listed with no model call, resolved from the set_docstring tool call.
    assert f"Add docstring with Qwen: {demo.ACTION_SYMBOL}" in record.actions
    after = documented(original, demo.ACTION_SYMBOL)
    assert record.action_diff == demo.unified(original, after, demo.GHOST_FILE)

    # Writing a function and saving: the server's applyEdit documents it.
    written = (demo.CORPUS / demo.SAVE_FILE).read_text(encoding="utf-8")
    after = documented(written, demo.SAVE_SYMBOL)
    assert record.save_diff == demo.unified(written, after, demo.SAVE_FILE)

    # The statistics: the cache hits, KV reuse and latency of what came before.
    stats = record.stats
    assert stats["cache_hits"] == demo.TYPED
    assert stats["kv_reuse"] > 0 and stats["latency_ms"]["p50"] > 0
    assert stats["model_calls"] == len(demo.HOLES) + 2  # and one each for the two docstrings
    for key in demo.STATS_SHOWN:
        assert f"    {key:<22} " in shown
    assert "no suggestion" not in shown and "no edit" not in shown
