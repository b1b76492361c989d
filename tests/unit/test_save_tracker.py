"""Docs on save: changed regions, which definitions are owed documentation, the tracker."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.save_tracker import SaveTracker, changed_lines, targets

try:
    from .doc_samples import PY
except ImportError:  # run from tests/unit directly
    from doc_samples import PY  # type: ignore[no-redef]

pytestmark = pytest.mark.unit


def test_changed_regions_and_targets() -> None:
    old = PY
    new = PY.replace("        return k", "        return k * 2")
    regions = changed_lines(old, new)
    assert regions == [(13, 13)]
    assert [d.qualname for d in targets("python", new, regions)] == ["Shape.grow"]
    assert changed_lines(PY, PY) == []
    assert targets("python", PY, []) == []
    # A definition left over from an earlier save is still a target.
    assert [d.qualname for d in targets("python", PY, [], pending=["area"])] == ["area"]
    assert len(targets("python", PY, None, limit=1)) == 1


def test_save_tracker() -> None:
    t = SaveTracker()
    t.opened("u", PY)
    assert t.plan("u", "python", PY, limit=8) == []  # unchanged since open: no work
    edited = PY.replace("        return k", "        return k * 2")
    got = t.plan("u", "python", edited, limit=8)
    assert [d.qualname for d in got] == ["Shape.grow"]
    # Not applied (the user typed): still owed at the next save, even with no new change.
    assert [d.qualname for d in t.plan("u", "python", edited, limit=8)] == ["Shape.grow"]
    t.done("u", ["Shape.grow"])
    assert t.plan("u", "python", edited, limit=8) == []
    # The whole-file command, capped: what is left stays owed for later saves.
    assert [d.qualname for d in t.plan_all("u", "python", edited, limit=1)] == ["area"]
    assert t.owed("u") == {"area", "Shape.grow"}
    t.closed("u")
    assert t.owed("u") == set()
