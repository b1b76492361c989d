"""The random-weight test model loads in mlx-lm like a Qwen3-Coder model and generates."""

from __future__ import annotations

import json
from pathlib import Path

import mlx_lm
import pytest
from mlx.utils import tree_flatten
from mlx_lm.tool_parsers import qwen3_coder
from models import build_model

pytestmark = pytest.mark.worker

ADDED = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
    "<think>", "</think>",
]  # fmt: skip


@pytest.fixture(scope="module")
def loaded(tiny_model: Path):
    return mlx_lm.load(str(tiny_model))


def test_added_tokens_in_qwen_order_with_qwen_flags(loaded) -> None:
    _, tokenizer = loaded
    ids = tokenizer.convert_tokens_to_ids(ADDED)
    assert ids == list(range(ids[0], ids[0] + len(ADDED)))
    assert ids[-1] == len(tokenizer.get_vocab()) - 1
    text = "".join(ADDED)
    assert tokenizer.encode(text) == ids  # each is one token, no BOS
    # Only the first 14 are special: decoding skips them and keeps the FIM/tool markers.
    assert tokenizer.decode(ids, skip_special_tokens=True) == "".join(ADDED[14:])


def test_configs_name_this_tokenizers_ids(loaded, tiny_model: Path) -> None:
    model, tokenizer = loaded
    im_end, end_of_text = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    generation = json.loads((tiny_model / "generation_config.json").read_text())
    assert generation["eos_token_id"] == [im_end, end_of_text]
    assert tokenizer.eos_token_ids == {im_end, end_of_text}
    assert tokenizer.eos_token == "<|im_end|>"
    assert tokenizer.pad_token == "<|endoftext|>"
    assert tokenizer.bos_token is None
    config = json.loads((tiny_model / "config.json").read_text())
    assert config["vocab_size"] == len(tokenizer.get_vocab())
    assert model.model_type == config["model_type"] == "qwen3_moe"


def test_picks_the_qwen3_coder_tool_parser(loaded) -> None:
    _, tokenizer = loaded
    assert tokenizer.has_tool_calling
    assert tokenizer.tool_parser is qwen3_coder.parse_tool_call
    call = "<function=f>\n<parameter=x>\n1\n</parameter>\n</function>"
    assert tokenizer.tool_parser(call, None) == {"name": "f", "arguments": {"x": "1"}}


def _generate(loaded, prompt: list[int]) -> list[int]:
    model, tokenizer = loaded
    return [r.token for r in mlx_lm.stream_generate(model, tokenizer, prompt, max_tokens=8)]


def test_generates_from_a_fim_prompt(loaded) -> None:
    _, tokenizer = loaded
    prompt = "<|fim_prefix|>def add(a, b):\n<|fim_suffix|>\n\nprint(add(1, 2))\n<|fim_middle|>    "
    tokens = tokenizer.encode(prompt)
    assert tokens[0] == tokenizer.convert_tokens_to_ids("<|fim_prefix|>")
    generated = _generate(loaded, tokens)
    assert 1 <= len(generated) <= 8


def test_generates_from_a_chat_prompt(loaded) -> None:
    _, tokenizer = loaded
    messages = [{"role": "user", "content": "Write hello world in Python."}]
    tokens = tokenizer.apply_chat_template(messages, add_generation_prompt=True)
    assert tokenizer.decode(tokens).endswith("<|im_start|>assistant\n")
    generated = _generate(loaded, tokens)
    assert 1 <= len(generated) <= 8


def test_build_is_deterministic_and_about_a_million_parameters(tmp_path: Path) -> None:
    first, second = build_model(tmp_path / "a"), build_model(tmp_path / "b")
    for name in ("model.safetensors", "tokenizer.json", "tokenizer_config.json", "config.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    model, _ = mlx_lm.load(str(first))
    params = sum(p.size for _, p in tree_flatten(model.parameters()))
    assert 500_000 <= params <= 2_000_000


def test_dense_variant_loads(tmp_path: Path) -> None:
    model, tokenizer = mlx_lm.load(str(build_model(tmp_path, "--arch", "qwen3", "--seed", "3")))
    assert model.model_type == "qwen3"
    assert _generate((model, tokenizer), tokenizer.encode("def f():")) != []
