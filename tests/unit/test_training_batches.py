"""The test-model trainer's batches: a system turn shared by a chat batch runs once, and the
loss is the same as with every row run whole."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from tiny_model.chat_examples import action_requests, chat_example, same_prefix_batches
from tiny_model.fim_examples import Example, SourceFile
from tiny_model.model import model_config, random_model
from tiny_model.train import loss_fn, make_batch
from tiny_model.trainer import chat_renderer
from tokenizers import Tokenizer

from qwen_lsp.engine import tools

pytestmark = pytest.mark.unit

VOCAB = 200


def examples(prefix_len: int, lengths: list[int], seed: int = 0) -> list[Example]:
    """Examples sharing `prefix_len` tokens, whose first 5 carry no loss at all."""
    rng = random.Random(seed)
    prefix = [rng.randrange(VOCAB) for _ in range(prefix_len)]
    out = []
    for n in lengths:
        tokens = prefix + [rng.randrange(VOCAB) for _ in range(n)]
        out.append(Example(tokens, prefix_len + n // 2, 0.25, shared=prefix_len, unweighted=5))
    return out


@pytest.mark.parametrize("arch", ["qwen3", "qwen3_moe"])
def test_shared_prefix_batch_has_the_loss_of_whole_rows(arch: str) -> None:
    model = random_model(model_config(arch, VOCAB, 0), seed=1)
    shared = examples(24, [9, 17, 13])
    whole = [dataclasses.replace(e, shared=0) for e in shared]
    batch = make_batch(shared, pad_id=0)
    assert batch[0] is not None and batch[0].shape == (1, 24)
    assert batch[1].shape == (3, 16)  # rows hold only what follows the prefix
    whole_batch = make_batch(whole, pad_id=0)
    assert whole_batch[0] is None and whole_batch[1].shape == (3, 40)
    assert loss_fn(model, *batch).item() == pytest.approx(loss_fn(model, *whole_batch).item())
    # Tokens before `unweighted` carry no loss; the prefix's count once, weighted for all rows.
    assert min(whole_batch[2].tolist()) % 40 == 4 and min(batch[2].tolist()) == 4
    assert batch[4].sum().item() == pytest.approx(whole_batch[4].sum().item())


def test_rows_with_different_starts_are_not_shared() -> None:
    a, b = examples(10, [5], seed=1)[0], examples(10, [6], seed=2)[0]
    shared, inputs, *_ = make_batch([a, b], pad_id=0)
    assert shared is None and inputs.shape == (2, 15)


def test_same_prefix_batches_group_by_system_turn() -> None:
    first, second = examples(4, [3, 5, 2], seed=1), examples(4, [1, 2, 3], seed=2)
    stream = [first[0], second[0], first[1], second[1], first[2], second[2]]
    batches = list(same_prefix_batches(iter(stream), 3))
    assert batches == [first, second]


def test_chat_examples_share_their_system_turn(tiny_model: Path) -> None:
    """Every chat example offering the same tools starts with the same system turn (the tool
    schemas): that is what makes chat batches cheap to train."""
    tokenizer = Tokenizer.from_file(str(tiny_model / "tokenizer.json"))
    render = chat_renderer(tiny_model)
    corpus = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "wordcount.py"
    starts: dict[tuple[str, ...], set[str]] = {}
    for req, d in action_requests(SourceFile.read(corpus), random.Random(0)):
        example = chat_example(req, d, render, lambda text: tokenizer.encode(text).ids)
        prompt = tokenizer.decode(example.tokens[: example.first_target], skip_special_tokens=False)
        shared = tokenizer.decode(example.tokens[: example.shared], skip_special_tokens=False)
        assert prompt.startswith(shared) and shared.endswith("<|im_end|>\n"), shared[-40:]
        assert example.unweighted == example.shared  # the system turn carries no loss
        starts.setdefault(tuple(tools.tool_names(req.kind)), set()).add(shared)
    assert len(starts) == 4 and all(len(s) == 1 for s in starts.values()), starts
