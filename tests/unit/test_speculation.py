"""Prompt-lookup drafts: the tokens that followed the current tail's last earlier occurrence."""

from __future__ import annotations

import pytest

from qwen_lsp.worker.speculation import (
    LineEnds,
    NgramIndex,
    SpeculationStats,
    accepted_length,
    fim_lookup,
    tool_call_sketches,
)

pytestmark = pytest.mark.unit


def test_draft_copies_what_followed_the_tail_earlier() -> None:
    index = NgramIndex([1, 2, 3, 4, 5, 6, 9, 1, 2, 3], max_n=3)
    assert index.draft(3) == [4, 5, 6]
    # Past the end of the text the copy goes on copying itself: 4 5 6 9 1 2 3, then 4 5 6 ...
    assert index.draft(10) == [4, 5, 6, 9, 1, 2, 3, 4, 5, 6]


def test_a_repeating_tail_drafts_its_period() -> None:
    assert NgramIndex([8, 7, 7, 7], max_n=3).draft(4) == [7, 7, 7, 7]
    assert NgramIndex([9, 1, 2, 1, 2], max_n=2).draft(3) == [1, 2, 1]


def test_longest_ngram_wins_over_a_more_recent_shorter_one() -> None:
    # "2 3" last occurred before 8, but "1 2 3" only before 4: the longer match is the better bet.
    index = NgramIndex([1, 2, 3, 4, 7, 2, 3, 8, 1, 2, 3], max_n=3)
    assert index.draft(1) == [4]
    assert NgramIndex([1, 2, 3, 4, 7, 2, 3, 8, 1, 2, 3], max_n=2).draft(1) == [8]


def test_most_recent_occurrence_wins() -> None:
    assert NgramIndex([5, 1, 5, 2, 5], max_n=1, min_n=1).draft(1) == [2]


def test_no_match_and_tail_never_matches_itself() -> None:
    assert NgramIndex([1, 2, 3], max_n=3).draft(4) == []
    assert NgramIndex([], max_n=3).draft(4) == []
    assert NgramIndex([7], max_n=3).draft(4) == []


def test_min_n_refuses_short_matches() -> None:
    assert NgramIndex([5, 1, 9, 5], max_n=3, min_n=2).draft(2) == []
    with pytest.raises(ValueError):
        NgramIndex([], max_n=1, min_n=2)


def test_extending_indexes_the_output_too() -> None:
    index = NgramIndex([10, 11, 12], max_n=2)
    index.extend([20, 21, 22, 10, 11])
    assert index.draft(3) == [12, 20, 21]
    index.extend([30, 20, 21])  # the answer repeats itself: now "20 21" was last followed by 22...
    assert index.draft(2) == [22, 10]


def test_ids_match_whole_not_by_their_bytes() -> None:
    # 256 then 0 holds the bytes of 1 then 0 one byte off: not an occurrence of "1 0"
    assert NgramIndex([256, 0, 0, 5, 1, 0]).draft(2) == []
    assert NgramIndex([256, 0, 0, 5, 1, 0, 9, 1, 0]).draft(2) == [9, 1]
    assert NgramIndex([151_000, 7, 3, 151_000, 7]).draft(1) == [3]


def test_one_token_matches_make_no_draft_by_default() -> None:
    assert NgramIndex([5, 1, 9, 5]).draft(2) == []
    assert NgramIndex([5, 1, 9, 8, 5, 1]).draft(2) == [9, 8]


def test_a_source_match_wins_over_the_prompt_and_stops_at_its_end() -> None:
    index = NgramIndex([1, 2, 3, 4, 1, 2], sources=[[0, 1, 2, 7, 8]])
    assert index.draft(5) == [7, 8]  # not [3, 4, ...]: the source is what answers copy
    index.extend([7, 8, 1, 2])  # once the output has "1 2" followed by 7 8, that wins
    assert index.draft(2) == [7, 8]


def test_the_output_wins_over_a_source() -> None:
    index = NgramIndex([4, 4], sources=[[1, 2, 3]])
    index.extend([1, 2, 9, 1, 2])
    assert index.draft(1) == [9]


def test_no_ngram_spans_two_sources() -> None:
    index = NgramIndex([9, 2, 3], sources=[[1, 2], [3, 4]])
    assert index.draft(2) == []  # "2 3" exists only across the boundary of the two sources
    assert index.tokens == [9, 2, 3]


def test_after_a_value_the_next_source_piece_goes_on_once_its_first_token_is_written() -> None:
    # A tool call's syntax, cut at its value: "<call> <p=a>" VALUE "</p> </call>"
    index = NgramIndex([0, 1, 2], sources=[[1, 2, 3], [9, 4, 5]])
    assert index.draft(5) == [3]  # to the end of the first piece
    index.extend([3, 7, 7])  # the value: no draft
    assert index.draft(5) == []
    index.extend([9])  # the next piece's first token: the rest of it follows
    assert index.draft(5) == [4, 5]


def test_the_next_source_piece_goes_on_when_the_value_swallowed_its_first_token() -> None:
    # The value's last characters and the piece's first ("\n") merged into one token (")):\n"):
    # once the piece's second token is written, the rest of it follows.
    index = NgramIndex([0, 1, 2], sources=[[1, 2, 3], [9, 4, 5, 6]])
    assert index.draft(5) == [3]
    index.extend([3, 7, 8])  # the value, ending in a token that took the piece's "9" in
    assert index.draft(5) == []
    index.extend([4])
    assert index.draft(5) == [5, 6]


def test_line_ends_cut_a_draft_at_its_first_newline_and_stop_there() -> None:
    # A FIM answer at a line's end copies "f(x):\n" from elsewhere, but writes "f(x):" + stop.
    ends = {12: [5, 99], 13: [99]}.get  # 12 is "):\n" ("):" is 5); 13 is "\n"; 99 the stop
    index = NgramIndex([1, 2, 3, 4, 12, 7, 13, 8, 1, 2], sources=[[13]], line_ends=ends)
    assert index.draft(8) == [3, 4, 5, 99]
    assert index.draft(3) == [3, 4, 5]  # still at most k tokens
    assert NgramIndex([1, 2, 13, 6, 1, 2], line_ends=ends).draft(4) == [99]
    assert NgramIndex([1, 2, 3, 4, 1, 2], line_ends=ends).draft(4) == [3, 4, 1, 2]
    assert NgramIndex([1, 2, 3, 4, 12, 1, 2]).draft(4) == [3, 4, 12, 1]  # without: as copied


def test_line_ends_split_a_token_at_its_newline_once_per_token() -> None:
    vocab = {1: "):\n", 2: "\n\n", 3: "a", 4: "):", 5: "a\nb"}
    decoded: list[int] = []

    def decode(tokens: list[int]) -> str:
        decoded.extend(tokens)
        return "".join(vocab[t] for t in tokens)

    def encode(text: str) -> list[int]:
        return [next(t for t, piece in vocab.items() if piece == text)] if text else []

    ends = LineEnds(decode, encode, stop=0)
    assert (ends(1), ends(2), ends(3)) == ([4, 0], [0], None)
    assert ends(5) == [3, 0]  # what follows the newline is the next line's: left out
    assert ends(1) == [4, 0] and decoded == [1, 2, 3, 5]  # memoized


def test_fim_lookup_continues_the_prefix_and_copies_the_suffix() -> None:
    prefix_id, suffix_id, middle_id = 100, 101, 102
    prompt = [prefix_id, 1, 2, 3, suffix_id, 4, 5, middle_id]
    assert fim_lookup(prompt, suffix_id, middle_id) == ([prefix_id, 1, 2, 3], [4, 5])
    assert fim_lookup([1, 2, 3], suffix_id, middle_id) == ([1, 2, 3], [])
    # The server's layout: the cursor line's start follows <|fim_middle|>; the answer goes on
    # from it, after the prefix.
    line = [prefix_id, 1, 2, suffix_id, 4, 5, middle_id, 7, 8]
    assert fim_lookup(line, suffix_id, middle_id) == ([prefix_id, 1, 2, 7, 8], [4, 5])


def _render(messages, tools=None, add_generation_prompt=False, tokenize=False) -> str:
    """A chat template writing calls the way Qwen3-Coder's does."""
    text = "".join(f"<{m['role']}>{m['content']}\n" for m in messages if m["role"] == "user")
    for m in messages:
        for call in m.get("tool_calls", []):
            f = call["function"]
            args = "".join(f"<p={k}>{v}</p>" for k, v in f["arguments"].items())
            text += f"<a>\n<call={f['name']}>{args}</call>"
    return text + ("<a>\n" if add_generation_prompt else "")


def test_tool_call_sketches_are_the_call_syntax_cut_at_each_value() -> None:
    tool = {"function": {"name": "edit", "parameters": {"properties": {"line": {}, "text": {}}}}}
    pieces = tool_call_sketches(_render, lambda text: [ord(c) for c in text], [tool])
    texts = ["".join(map(chr, piece)) for piece in pieces]
    assert texts == ["<a>\n<call=edit><p=line>", "</p><p=text>", "</p></call>"]


def test_accepted_length_is_the_agreeing_prefix() -> None:
    assert accepted_length([1, 2, 3], [1, 2, 4, 9]) == 2
    assert accepted_length([1, 2, 3], [1, 2, 3, 9]) == 3
    assert accepted_length([], [5]) == 0
    assert accepted_length([4], [5, 6]) == 0


def test_stats_acceptance() -> None:
    stats = SpeculationStats(forward_passes=3, drafted=8, accepted=6)
    assert stats.acceptance == 0.75
    assert SpeculationStats().acceptance == 0.0
