"""Shared fixtures: the locally built test models; a private state directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest
from models import tiny_model_dir


@pytest.fixture(autouse=True)
def private_state_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Servers and editors started by a test keep their acceptance figures here, never in the
    real home (they inherit the environment)."""
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    return state


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    """The random-weight model (`make tiny-model`), built once and reused."""
    return tiny_model_dir()
