"""A small byte-level BPE tokenizer shaped like Qwen3-Coder's, trained locally on code."""

from __future__ import annotations

import json
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    processors,
    trainers,
)
from tokenizers import pre_tokenizers as pre

# Qwen2/Qwen3's pre-tokenizer split, exactly as in their tokenizer.json.
PRETOKENIZE_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Qwen3-Coder's added tokens in Qwen's id order; the first 14 are special=True.
ADDED_TOKENS = (
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
    "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
    "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<tool_response>", "</tool_response>",
    "<think>", "</think>",
)  # fmt: skip
SPECIAL_COUNT = 14

# Stdlib modules that exist in every CPython 3.10+: the same corpus on every machine.
STDLIB_MODULES = (
    "argparse.py", "ast.py", "bisect.py", "calendar.py", "textwrap.py", "shlex.py", "string.py",
    "fnmatch.py", "heapq.py", "functools.py", "dataclasses.py", "enum.py", "difflib.py", "csv.py",
    "fractions.py", "statistics.py", "random.py", "json/encoder.py", "json/decoder.py",
    "contextlib.py", "configparser.py", "queue.py", "sched.py", "tempfile.py", "glob.py",
    "copy.py", "pprint.py", "tokenize.py", "weakref.py", "shutil.py", "threading.py",
    "asyncio/queues.py", "logging/__init__.py", "unittest/case.py",
)  # fmt: skip


def stdlib_texts() -> list[str]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return [(root / name).read_text(encoding="utf-8") for name in STDLIB_MODULES]


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> Tokenizer:
    """BPE over bytes with Qwen's normalizer, split regex and decoder, plus the added tokens."""
    tokenizer = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre.Sequence(
        [
            pre.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tokenizer.post_processor = processors.ByteLevel(
        add_prefix_space=False, trim_offsets=False, use_regex=False
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        initial_alphabet=pre.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.add_special_tokens([_added(t, special=True) for t in ADDED_TOKENS[:SPECIAL_COUNT]])
    tokenizer.add_tokens([_added(t, special=False) for t in ADDED_TOKENS[SPECIAL_COUNT:]])
    return tokenizer


def _added(content: str, *, special: bool) -> AddedToken:
    return AddedToken(content, lstrip=False, rstrip=False, normalized=False, special=special)


def token_id(tokenizer: Tokenizer, token: str) -> int:
    found = tokenizer.token_to_id(token)
    if found is None:
        raise KeyError(f"{token} is not in the vocabulary")
    return found


def write_tokenizer(out: Path, tokenizer: Tokenizer, chat_template: str) -> None:
    """tokenizer.json plus a tokenizer_config.json like Qwen3-Coder's."""
    tokenizer.save(str(out / "tokenizer.json"))
    decoder = {
        str(token_id(tokenizer, t)): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": i < SPECIAL_COUNT,
        }
        for i, t in enumerate(ADDED_TOKENS)
    }
    config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "additional_special_tokens": list(ADDED_TOKENS[1:SPECIAL_COUNT]),
        "bos_token": None,
        "chat_template": chat_template,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": 262144,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    (out / "tokenizer_config.json").write_text(text, encoding="utf-8")
