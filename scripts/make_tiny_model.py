"""Build qwen-lsp's test model: a tiny Qwen3-Coder-shaped model that loads with no download.

    make_tiny_model.py OUT_DIR [--arch qwen3_moe|qwen3] [--seed N]

writes a directory `mlx_lm.load(OUT_DIR)` accepts: a BPE tokenizer trained on local code with
Qwen3-Coder's added tokens, the project's chat template, generation_config.json and seeded
random float32 weights (~1M parameters).
"""

from __future__ import annotations

import argparse
import time
from importlib import resources
from pathlib import Path

from tiny_model.model import (
    ARCHS,
    model_config,
    parameter_count,
    random_model,
    save_model,
    write_generation_config,
)
from tiny_model.tokenizer import stdlib_texts, token_id, train_tokenizer, write_tokenizer

VOCAB_SIZE = 3000  # BPE tokens before the 26 added ones


def chat_template() -> str:
    return (resources.files("qwen_lsp") / "data" / "chat_template.jinja").read_text("utf-8")


def build(out: Path, arch: str, seed: int) -> int:
    """Write the model directory; returns the parameter count."""
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(stdlib_texts(), VOCAB_SIZE)
    write_tokenizer(out, tokenizer, chat_template())
    im_end, end_of_text = token_id(tokenizer, "<|im_end|>"), token_id(tokenizer, "<|endoftext|>")
    write_generation_config(out, [im_end, end_of_text], end_of_text)
    config = model_config(arch, tokenizer.get_vocab_size(), im_end)
    model = random_model(config, seed)
    save_model(out, model, config)
    return parameter_count(model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--arch", choices=sorted(ARCHS), default="qwen3_moe")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    params = build(args.out, args.arch, args.seed)
    seconds = time.perf_counter() - start
    print(f"wrote {args.out} ({args.arch}, {params:,} parameters) in {seconds:.1f} s")


if __name__ == "__main__":
    main()
