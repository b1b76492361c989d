"""Merging several definitions' edits into one non-overlapping set."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.line_edits import LineEdit, merge_edits

pytestmark = pytest.mark.unit


def test_merge_edits_leaves_out_colliding_definitions() -> None:
    a = LineEdit(3, 3, "a\n")
    b = LineEdit(3, 3, "b\n")
    c = LineEdit(1, 2, "c\n")
    edits, names = merge_edits([("A", [a]), ("B", [b]), ("C", [c])])
    assert names == ["A", "C"] and edits == [c, a]
