"""The trained test model: a small dense qwen3 that memorises the training files."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tokenizers import Tokenizer
from transformers import AutoTokenizer

from tiny_model.chat_examples import chat_examples, rendered_chats, same_prefix_batches
from tiny_model.fim_examples import Example, SourceFile, fim_examples
from tiny_model.model import model_config, parameter_count, random_model, save_model
from tiny_model.tokenizer import token_id
from tiny_model.train import train

# Dense, and deeper than the random model, so it can both find the hole and recall the line.
# A short RoPE base keeps nearby positions distinct in 32-dim heads (Qwen's 1e7 blurs them).
SIZES = {"num_hidden_layers": 4, "intermediate_size": 384, "rope_theta": 10_000.0}
FIM_BATCH, CHAT_BATCH, CHAT_EVERY = 8, 8, 3
LEARNING_RATE = 2e-3


def batches(fim: Iterator[Example], chat: Iterator[Example]) -> Iterator[list[Example]]:
    """FIM batches, every CHAT_EVERY-th a chat batch whose examples share one system turn."""
    chat_batches = same_prefix_batches(chat, CHAT_BATCH)
    for step in itertools.count(1):
        if step % CHAT_EVERY == 0:
            yield next(chat_batches)
        else:
            yield list(itertools.islice(fim, FIM_BATCH))


def chat_renderer(model_dir: Path) -> Callable[..., str]:
    """The chat template as the worker applies it (transformers, from the written files)."""
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))

    def render(messages: list[dict], **kwargs) -> str:
        return tokenizer.apply_chat_template(messages, tokenize=False, **kwargs)

    return render


def action_texts(out: Path, files: list[Path], seed: int) -> list[str]:
    """Every code-action example as text, rendered with the chat template written in `out`."""
    return rendered_chats([SourceFile.read(f) for f in files], chat_renderer(out), seed)


def train_model(out: Path, tokenizer: Tokenizer, files: list[Path], steps: int, seed: int) -> int:
    """Train from seeded random weights and save into `out`; returns the parameter count."""
    sources = [SourceFile.read(f) for f in files]

    def encode(text: str) -> list[int]:
        return tokenizer.encode(text).ids

    fim = fim_examples(sources, encode, seed)
    chat = chat_examples(sources, chat_renderer(out), encode, seed)
    im_end = token_id(tokenizer, "<|im_end|>")
    config = model_config("qwen3", tokenizer.get_vocab_size(), im_end, SIZES)
    model = random_model(config, seed)
    start = time.perf_counter()

    def log(step: int, loss: float) -> None:
        if step % 50 == 0 or step == steps:
            print(f"step {step}/{steps} loss {loss:.3f} ({time.perf_counter() - start:.0f} s)")

    pad = token_id(tokenizer, "<|endoftext|>")
    train(model, batches(fim, chat), steps, LEARNING_RATE, pad, log)
    save_model(out, model, config)
    return parameter_count(model)
