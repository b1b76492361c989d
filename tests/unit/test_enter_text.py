"""What Enter would insert at a line's end, and whether the line reads as finished (the pre-warm
for Enter: lsp/enter_prewarm.py)."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.indentation import enter_text

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("line", "after", "language", "inserted"),
    [
        ("    return total", "\n", "python", "\n    "),
        ("    if ready:", "\n", "python", "\n        "),  # a block opens: one unit more
        ("\tif ready:", "\n", "python", "\n\t\t"),  # the file's unit: a tab
        ("int main() {", "\n}", "c", "\n    "),
        ("    print(a, b)", "  \n", "python", "\n    "),  # blanks after the cursor: a line end
        ("    print(a, b)", "  # note\n", "python", None),  # text after the cursor
        ("    total = compute(a, ", "\n", "python", None),  # a pause after a word
        ("    total = compute(a,", "\n", "python", None),  # goes on
        ("    total = compute(", "\n", "python", None),
        ("    total = a +", "\n", "python", None),
        ("    total = (a", "\n", "python", None),  # a bracket left open on the line
        ("    label = '(('", "\n", "python", "\n    "),  # brackets in a string do not count
        ("", "\n", "python", None),  # an empty line
    ],
)
def test_enter_at_a_finished_line_end_inserts_the_editors_indentation(
    line, after, language, inserted
):
    assert enter_text(f"x = 1\n{line}", after, language) == inserted
