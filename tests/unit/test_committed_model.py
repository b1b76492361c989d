"""The committed trained test model was made from the current prompts and training code."""

from __future__ import annotations

import pytest
from models import COMMITTED_MODEL, TRAINING_FILES
from tiny_model.inputs import KEY_FILE, inputs_key

pytestmark = pytest.mark.unit


def test_committed_model_was_trained_from_the_current_code() -> None:
    recorded = (COMMITTED_MODEL / KEY_FILE).read_text()
    assert recorded == inputs_key(TRAINING_FILES), (
        f"{COMMITTED_MODEL} was trained from other prompts or training code than the current "
        "ones: run `make update-trained-model` (~15 min) and commit the result"
    )


def test_committed_model_is_complete() -> None:
    names = {path.name for path in COMMITTED_MODEL.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", KEY_FILE} <= names
    assert (COMMITTED_MODEL / "model.safetensors").stat().st_size > 1_000_000
