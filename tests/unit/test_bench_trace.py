"""The typing benchmark's pure parts: the person's trace and the peers' prompt windows."""

from __future__ import annotations

from pathlib import Path

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers
from typing_bench.continue_system import prune_lines
from typing_bench.llamavim_system import local_context
from typing_bench.report import after_tab_waits, next_after_tab, problems, projected_ms
from typing_bench.trace import build_trace, initial_text, span_offset
from typing_bench.user import UserResult

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "server/qwen_lsp/engine/fim.py", ROOT / "server/qwen_lsp/engine/stats.py"]
NAMES = ["fim.py", "stats.py"]


def test_the_same_seed_gives_the_same_trace_and_another_seed_another():
    first, again = (build_trace(FILES, 120, seed=5, names=NAMES) for _ in range(2))
    other = build_trace(FILES, 120, seed=6, names=NAMES)

    assert first == again
    assert [s.start for s in first.spans] != [s.start for s in other.spans]
    assert first.keystrokes >= 120


def test_typing_every_span_back_at_its_offset_restores_the_files():
    trace = build_trace(FILES, 300, seed=2, names=NAMES)
    texts = {name: initial_text(trace, name) for name in NAMES}
    typed: set[int] = set()
    for n, span in enumerate(trace.spans):
        at = span_offset(trace, span, typed)
        keys = "".join(step.text for step in span.steps)
        assert keys == span.text
        texts[span.path] = texts[span.path][:at] + keys + texts[span.path][at:]
        typed.add(n)

    assert texts == trace.files


def test_pauses_come_at_line_ends_and_keys_at_human_intervals():
    trace = build_trace(FILES, 200, seed=3, names=NAMES)
    steps = [step for span in trace.spans for step in span.steps]

    assert all(span.steps[-1].pause_s >= 0.8 for span in trace.spans)
    assert all(0.035 <= step.delay_s <= 0.4 for step in steps)


def test_continue_window_drops_whole_lines_from_the_far_end():
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()  # one token per word
    text = "a b\nc d\ne f"  # 2 tokens a line

    assert prune_lines(text, 4, tokenizer, from_top=True) == "c d\ne f"
    assert prune_lines(text, 4, tokenizer, from_top=False) == "a b\nc d"
    assert prune_lines(text, 1, tokenizer, from_top=True) == ""


def test_llama_vim_context_puts_the_line_before_the_cursor_in_the_prompt():
    lines = ["def f(x):", "    return x + 1", "", "print(f(2))"]

    prefix, middle, suffix = local_context(lines, 1, 11)

    assert prefix == "def f(x):\n"
    assert middle == "    return "
    assert suffix == "x + 1\n\nprint(f(2))\n"


def test_a_run_fails_on_errors_answered_superseded_requests_and_missing_figures():
    good = {"system": "qwen-lsp", "errors": [], "superseded_answered": 0}
    good |= {"felt_ms_answered": [120.0], "model_calls": 3}

    assert problems(good) == []
    assert problems(good | {"errors": ["boom"]}) == ["qwen-lsp: boom"]
    assert problems(good | {"superseded_answered": 2}) == [
        "qwen-lsp: 2 superseded requests answered"
    ]
    assert problems(good | {"felt_ms_answered": []}) == [
        "qwen-lsp: no pause got an answer: figures missing"
    ]


def test_projection_adds_the_client_debounce_to_the_work_at_m4_max_rates():
    # 1,750 uncached prompt tokens take 1 s there, 113 generated tokens 1 s
    assert projected_ms("qwen-lsp", [(1750, 113), (0, 0)]) == [2000.0, 0.0]
    # An early answer comes no sooner than its time box, however fast the model.
    assert projected_ms("qwen-lsp", [(0, 1, 100.0), (1750, 0, 100.0)]) == [100.0, 1000.0]
    assert projected_ms("Continue → mlx_lm.server", [(0, 0)]) == [350.0]


def test_projection_adds_the_server_wait_only_where_the_model_was_asked():
    # A pause answered from the typing cache did no model work and waited nothing.
    work = [(1750, 113), (0, 0), (0, 5)]
    assert projected_ms("qwen-lsp", work, server_wait_ms=20.0) == [2020.0, 0.0, 20.0 + 5000 / 113]


def test_a_suggestion_after_tab_counts_as_at_once_within_10_ms_of_the_request():
    user = UserResult(after_accept_ms=[390.0, 359.5, 362.0, None])  # felt: debounce included
    waits = after_tab_waits("Continue → mlx_lm.server", user)
    assert waits == [40.0, 9.5, 12.0, None]
    assert after_tab_waits("qwen-lsp", UserResult(after_accept_ms=[3.5])) == [3.5]
    figure = next_after_tab(waits)
    assert figure == {"accepts": 4, "within_10ms": 1, "share": 0.25, "p50_ms": 12.0}
    assert next_after_tab([])["share"] is None
