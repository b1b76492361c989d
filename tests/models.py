"""Paths of the test models, built once by scripts/make_tiny_model.py into build/ when missing.

Import from any test (`from models import tiny_model_dir`; pyproject puts tests/ on the path).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
SCRIPT = SCRIPTS / "make_tiny_model.py"
TINY_MODEL = ROOT / "build" / "tiny-model"


def build_model(out: Path, *args: str) -> Path:
    """Run the builder (as `make` does) and return `out`."""
    subprocess.run([sys.executable, str(SCRIPT), str(out), *args], check=True)
    return out


def tiny_model_dir() -> Path:
    """The random-weight model (`make tiny-model`)."""
    if not (TINY_MODEL / "config.json").exists():
        build_model(TINY_MODEL)
    return TINY_MODEL


TRAINED_MODEL = ROOT / "build" / "trained-model"
COMMITTED_MODEL = ROOT / "tests" / "fixtures" / "trained-model"
REPO_CORPUS = ROOT / "tests" / "fixtures" / "corpus"
TRAINING_FILES = sorted(REPO_CORPUS.iterdir())


def trained_model_dir() -> Path:
    """The model trained on tests/fixtures/corpus (`make trained-model`): the committed one when
    it was made from the current inputs, else trained anew (the builder says so loudly)."""
    files = map(str, TRAINING_FILES)
    return build_model(TRAINED_MODEL, "--train", *files, "--committed", str(COMMITTED_MODEL))
