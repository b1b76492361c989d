"""Shared fixtures: the locally built test models and paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "build"
SHARED = REPO.parent / "shared"


def build_tiny_model(out: Path) -> Path:
    """The random-weight model (`make tiny-model`), built once and reused."""
    if not (out / "config.json").exists():
        subprocess.run(
            [sys.executable, str(REPO / "scripts" / "make_tiny_model.py"), str(out)],
            check=True,
            cwd=REPO,
        )
    return out


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    return build_tiny_model(BUILD / "tiny-model")
