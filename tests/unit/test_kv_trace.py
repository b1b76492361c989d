"""The KV trace's reading of a prompt: where its first uncached token lies, and why."""

from __future__ import annotations

import json

import pytest

from qwen_lsp import messages as m
from qwen_lsp.worker.kv_trace import KvTrace, marker_positions, prefix_change, region_of

pytestmark = pytest.mark.unit

P, S, M = 901, 902, 903  # the prefix, suffix and middle marker ids
MARKERS = (P, S, M)
# repo section (quoting the markers, as a file about FIM would) | prefix | suffix | middle
PROMPT = [1, P, S, M, 2, P, 10, 11, 12, S, 20, 21, M, 30, 31]


def decode(tokens: list[int]) -> str:
    return "".join("\n" if t == 0 else chr(ord("a") + t % 26) for t in tokens)


def test_the_prompts_own_markers_are_the_last_ones_in_order():
    assert marker_positions(PROMPT, MARKERS) == [5, 9, 12]
    assert marker_positions([1, 2, 3], MARKERS) == []


@pytest.mark.parametrize(
    ("index", "region"),
    [(0, "repo"), (3, "repo"), (5, "repo"), (6, "prefix"), (9, "prefix"), (10, "suffix"),
     (13, "middle"), (14, "middle")],
)  # fmt: skip
def test_region_of_an_index(index, region):
    assert region_of(index, PROMPT, MARKERS) == region


def test_a_chat_prompt_is_all_middle():
    assert region_of(0, [1, 2, 3], MARKERS) == "middle"


def test_prefix_change_tells_enter_from_a_jump():
    before = [P, 10, 0, S, 20, M, 30]
    enter = [P, 10, 0, 30, 0, S, 20, M]
    joined = [P, S, 20, M, 10]
    jump = [P, 12, 13, 0, 14, 0, 15, 0, S, 20, M]
    assert prefix_change(before, enter, MARKERS, decode) == "enter"
    assert prefix_change(before, joined, MARKERS, decode) == "line joined"
    assert prefix_change(before, jump, MARKERS, decode) == "jump"


def test_a_trace_line_per_request_names_the_cause(tmp_path):
    path = tmp_path / "trace.jsonl"
    trace = KvTrace(str(path), MARKERS, decode)
    first = m.Generate(id=1, prompt="", cache_key="a.py", max_tokens=0, priority="background")
    trace.record(first, PROMPT, None, 0, 4, "cancelled", 0)  # a pre-warm cut short at 4
    typed = m.Generate(id=2, prompt="", cache_key="a.py")
    trace.record(typed, [*PROMPT, 32], PROMPT[:4], 4, len(PROMPT) + 1, "stop", 0)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["cause"] for r in rows] == [
        "first request of the document",
        "previous prefill cut short",
    ]
    assert rows[1]["uncached"] == len(PROMPT) - 3 and rows[1]["before_by"]["held"] == 4
