"""Shared fixtures: the locally built test models."""

from __future__ import annotations

from pathlib import Path

import pytest
from models import tiny_model_dir


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The random-weight model (`make tiny-model`), built once and reused."""
    return tiny_model_dir()
