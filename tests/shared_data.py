"""The project's shared data (`shared/`): beside the clone in CI, further up for git worktrees.

Tests that need it fail when it is missing (CI must not pass by skipping them).
Import from any test (`from shared_data import require_shared`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def find_shared(relative: str) -> Path | None:
    """`shared/<relative>` from $QWEN_LSP_SHARED, the repository or one of its ancestors."""
    env = os.environ.get("QWEN_LSP_SHARED")
    bases = [Path(env)] if env else []
    bases += [base / "shared" for base in (ROOT, *ROOT.parents)]
    for base in bases:
        if (base / relative).exists():
            return base / relative
    return None


def require_shared(relative: str) -> Path:
    """Like find_shared, but a missing file fails the test instead of skipping it."""
    path = find_shared(relative)
    if path is None:
        pytest.fail(f"shared/{relative} is missing: put the project's shared/ beside the clone")
    return path
