"""A FIM prompt's tokens with the head before the middle marker remembered: the same tokens as
encoding it whole (worker/prompt_tokens.py), on the committed trained model's tokenizer."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import AutoTokenizer

from qwen_lsp.engine.fim import FIM_MIDDLE, FIM_PREFIX, FIM_SUFFIX
from qwen_lsp.worker.prompt_tokens import PromptTokens, prompt_encoder

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SOURCE = (ROOT / "server/qwen_lsp/engine/fim.py").read_text()


@pytest.fixture(scope="module")
def tokenizer():
    return AutoTokenizer.from_pretrained(ROOT / "tests/fixtures/trained-model")


def prompts(typed: str) -> list[str]:
    """A prompt per keystroke of `typed` at several places of a real file, text quoting the
    markers included (fim.py holds them)."""
    out = []
    for cut in range(300, len(SOURCE) - 300, 997):
        line_start = SOURCE.rfind("\n", 0, cut) + 1
        above, below = SOURCE[:line_start], SOURCE[cut:]
        for n in range(len(typed) + 1):
            middle = SOURCE[line_start:cut] + typed[:n]
            out.append(f"{FIM_PREFIX}{above}{FIM_SUFFIX}{below}{FIM_MIDDLE}{middle}")
    return out


def test_the_tokens_are_those_of_the_whole_prompt(tokenizer) -> None:
    encode = prompt_encoder(tokenizer)
    assert isinstance(encode, PromptTokens)  # the marker is an added token of this tokenizer
    for prompt in [*prompts(" = value(  x )\n\t"), "no marker here", FIM_MIDDLE + "x"]:
        assert encode(prompt) == tokenizer.encode(prompt, add_special_tokens=False)


def test_typing_in_the_middle_encodes_only_the_middle() -> None:
    seen: list[str] = []
    encode = PromptTokens(lambda text: seen.append(text) or [len(text)], FIM_MIDDLE)
    head = f"{FIM_PREFIX}a = 1\n{FIM_SUFFIX}\nb = 2\n"
    for typed in ["x", "x ", "x ="]:
        encode(f"{head}{FIM_MIDDLE}{typed}")
    assert seen == [head, f"{FIM_MIDDLE}x", f"{FIM_MIDDLE}x ", f"{FIM_MIDDLE}x ="]
