"""Fixtures for the test models (see tests/models.py)."""

from __future__ import annotations

from pathlib import Path

import models
import pytest


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    return models.tiny_model_dir()
