"""Where the trained test model lives; tests that need it skip until it is built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAINED_ENV = "QWEN_LSP_TRAINED_MODEL"


def trained_model_or_skip() -> Path:
    candidates = [os.environ.get(TRAINED_ENV, "")]
    candidates += [str(REPO / "build" / name) for name in ("trained-model", "test-model")]
    for path in filter(None, candidates):
        if (Path(path) / "config.json").is_file():
            return Path(path)
    pytest.skip(f"no trained test model (set ${TRAINED_ENV} or build it into build/)")
