"""Degenerate repetition is cut; repetition that real code has is kept."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.repetition import cut_repetition

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("generated", "kept"),
    [
        ("(node(node(node(node(node(node(node", ""),
        ("x = 1\nttyttyttyttytty look look look look look", "x = 1"),
        ("a()\nb()\na()\nb()\na()\nb()\na(", "a()\nb()"),
        ("step()\n    step()\n    step()\n    step()\n    st", "step()"),
        ("value = " + "compute_the_total(x) + " * 4 + "compute", ""),
    ],
)
def test_loops_are_cut_where_they_start(generated: str, kept: str) -> None:
    assert cut_repetition(generated) == kept


@pytest.mark.parametrize(
    "code",
    [
        "grid = [0, 0, 0, 0, 0, 0, 0, 0]",
        "        end\n    end\nend\nend",  # Lua blocks closing
        "}\n}\n}\n}\n}",
        "x += 1\nx += 1\nx += 1\n",  # three times is not yet a loop
        "# ====================",
        "n = 1_000_000_000",
        "a = 1\nb = 2\n",
    ],
)
def test_repetition_that_code_has_is_kept(code: str) -> None:
    assert cut_repetition(code) == code
