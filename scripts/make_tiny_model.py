"""Build qwen-lsp's test models: tiny Qwen3-Coder-shaped models that load with no download.

    make_tiny_model.py OUT_DIR [--arch qwen3_moe|qwen3] [--seed N]
    make_tiny_model.py OUT_DIR --size cost [--seed N]
    make_tiny_model.py OUT_DIR --train FILE... [--steps N] [--seed N]
                       [--committed DIR | --verify DIR]

The first writes a directory `mlx_lm.load(OUT_DIR)` accepts: a BPE tokenizer trained on local
code with Qwen3-Coder's added tokens, the project's chat template, generation_config.json and
seeded random float32 weights (~1M parameters). With --train, the model also learns FILE...:
FIM holes in the server's prompt layout and code actions answered with tool calls. A trained
build is skipped when OUT_DIR already holds one made from the same inputs.

Training takes ~15 minutes on 2 cores, so the trained model is committed
(tests/fixtures/trained-model): --committed DIR copies it into OUT_DIR when it was made from the
current inputs, and trains (saying loudly that DIR is stale) when it was not. --verify DIR
trains from scratch and fails unless every file equals DIR's: the build is deterministic, so
this proves the committed model is what the current code makes.

With --size cost, a ~25M-parameter random model whose prefill and decode cost like a real
model's (benchmarks); its measured rates are printed and kept in OUT_DIR/rates.json.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from tiny_model import cost_model, fast_blas
from tiny_model.build import build_trained, write_tokenizer_files
from tiny_model.inputs import DEFAULT_SEED, DEFAULT_STEPS, KEY_FILE, inputs_key
from tiny_model.model import ARCHS, model_config, parameter_count, random_model, save_model
from tiny_model.tokenizer import token_id

# What a trained build consists of (the key last: it marks a finished copy).
MODEL_FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
)


def build_random(out: Path, arch: str, seed: int, sizes: dict | None = None) -> int:
    """The random-weight model; returns its parameter count."""
    tokenizer = write_tokenizer_files(out, [])
    im_end = token_id(tokenizer, "<|im_end|>")
    config = model_config(arch, tokenizer.get_vocab_size(), im_end, sizes)
    model = random_model(config, seed)
    save_model(out, model, config)
    return parameter_count(model)


def copy_model(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / KEY_FILE).unlink(missing_ok=True)
    for name in (*MODEL_FILES, KEY_FILE):
        shutil.copyfile(source / name, out / name)


def differing_files(built: Path, committed: Path) -> list[str]:
    return [
        name
        for name in (*MODEL_FILES, KEY_FILE)
        if not (committed / name).is_file()
        or (built / name).read_bytes() != (committed / name).read_bytes()
    ]


def train_into(out: Path, files: list[Path], key: str, steps: int, seed: int) -> int:
    fast_blas.reexec_with_shim(out.parent)
    (out / KEY_FILE).unlink(missing_ok=True)  # a build cut short must not pass for a finished one
    params = build_trained(out, files, steps, seed)
    (out / KEY_FILE).write_text(key)
    return params


def verify(out: Path, committed: Path, files: list[Path], key: str, steps: int, seed: int) -> None:
    """Train from scratch into `out` and require every file to equal `committed`'s."""
    verified = out / "verified"
    if verified.is_file() and verified.read_text() == key:
        print(f"{committed} was verified for these inputs already")
        return
    verified.unlink(missing_ok=True)
    if not (out / KEY_FILE).is_file() or (out / KEY_FILE).read_text() != key:
        train_into(out, files, key, steps, seed)
    if differing := differing_files(out, committed):
        sys.exit(
            f"STALE TEST MODEL: {committed} is not what the builder makes from the current code "
            f"({', '.join(differing)} differ from the fresh build in {out}). Commit the fresh "
            f"build: `make update-trained-model`."
        )
    verified.write_text(key)
    print(f"{committed} is exactly what the builder makes from the current code")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUT_DIR")
    parser.add_argument("--arch", choices=sorted(ARCHS), default="qwen3_moe", help="random model")
    parser.add_argument("--size", choices=["tiny", "cost"], default="tiny", help="random model")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--train", type=Path, nargs="+", metavar="FILE", default=[])
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--committed", type=Path, metavar="DIR", help="copy when current")
    source.add_argument("--verify", type=Path, metavar="DIR", help="rebuild and compare")
    args = parser.parse_args()
    start = time.perf_counter()
    if not args.train and args.size == "cost":
        fast_blas.reexec_with_shim(args.out.parent)  # rates as the benchmark runs it
        params = build_random(args.out, "qwen3", args.seed, cost_model.COST_SIZES)
        print(f"{args.out}: {cost_model.measure_rates(args.out)}")
        print(f"wrote {args.out} ({params:,} parameters) in {time.perf_counter() - start:.1f} s")
        return
    if not args.train:
        params = build_random(args.out, args.arch, args.seed)
        print(f"wrote {args.out} ({params:,} parameters) in {time.perf_counter() - start:.1f} s")
        return
    files = sorted(args.train, key=lambda path: path.name)
    key, key_file = inputs_key(files, args.steps, args.seed), args.out / KEY_FILE
    if args.verify:
        verify(args.out, args.verify, files, key, args.steps, args.seed)
        return
    if key_file.is_file() and key_file.read_text() == key:
        print(f"{args.out} is up to date")
        return
    committed = args.committed
    if committed and (committed / KEY_FILE).is_file():
        if (committed / KEY_FILE).read_text() == key:
            copy_model(committed, args.out)
            print(f"copied the committed test model {committed} to {args.out}")
            return
        print(
            f"STALE TEST MODEL: {committed} was trained from other prompts or training code "
            f"than the current ones. Training a new one (~15 min on 2 cores); then commit it "
            f"with `make update-trained-model`.",
            file=sys.stderr,
        )
    params = train_into(args.out, files, key, args.steps, args.seed)
    print(f"wrote {args.out} ({params:,} parameters) in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
