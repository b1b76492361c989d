"""Convert a dense qwen3 MLX model directory (the trained test model) to a GGUF file.

    .venv/bin/python scripts/mlx_to_gguf.py build/trained-model build/trained-model.gguf

llama.cpp's own converter needs torch and refuses a tokenizer whose pre-tokenizer hash it does
not know; the test tokenizer uses Qwen2's split regex, so the `gguf` package's writer with
arch `qwen3`, tokenizer `gpt2` and pre `qwen2` gives llama.cpp a working file. Weights are
written as float32 (the test model is tiny). llama-server finds `<|fim_prefix|>` etc. by text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import gguf
import mlx.core as mx
import numpy as np


def _tokenizer(model_dir: Path, vocab_size: int) -> tuple[list[str], list[int], list[str]]:
    """Tokens, token types and merges from tokenizer.json, padded to the model's vocab size."""
    spec = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    by_id = {i: t for t, i in spec["model"]["vocab"].items()}
    types = {i: gguf.TokenType.NORMAL for i in by_id}
    for added in spec.get("added_tokens", []):
        by_id[added["id"]] = added["content"]
        special = added.get("special")
        types[added["id"]] = gguf.TokenType.CONTROL if special else gguf.TokenType.USER_DEFINED
    size = max(vocab_size, max(by_id) + 1)
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(size)]
    token_types = [int(types.get(i, gguf.TokenType.UNUSED)) for i in range(size)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"].get("merges", [])]
    return tokens, token_types, merges


def convert(model_dir: Path, out: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "qwen3":
        raise SystemExit(f"{model_dir}: model_type {config.get('model_type')!r}, not qwen3")
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    layers = int(config["num_hidden_layers"])
    heads = int(config["num_attention_heads"])
    head_dim = int(config.get("head_dim") or config["hidden_size"] // heads)

    writer = gguf.GGUFWriter(str(out), "qwen3")
    writer.add_name(model_dir.name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_block_count(layers)
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(heads)
    writer.add_head_count_kv(int(config["num_key_value_heads"]))
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_rope_freq_base(float(config["rope_theta"]))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    tokens, token_types, merges = _tokenizer(model_dir, int(config["vocab_size"]))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(token_types)
    writer.add_token_merges(merges)
    ids = {t: i for i, t in enumerate(tokens)}
    eos = config.get("eos_token_id")
    writer.add_eos_token_id(int(eos[0] if isinstance(eos, list) else eos))
    if (pad := tok_config.get("pad_token")) in ids:
        writer.add_pad_token_id(ids[pad])
    writer.add_add_bos_token(False)
    if template := tok_config.get("chat_template"):
        writer.add_chat_template(template)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN3, layers)
    weights = mx.load(str(model_dir / "model.safetensors"))
    for name, array in sorted(weights.items()):
        gguf_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise SystemExit(f"no GGUF name for tensor {name}")
        writer.add_tensor(gguf_name, np.array(array.astype(mx.float32), dtype=np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="MLX model directory (dense qwen3)")
    parser.add_argument("out", type=Path, help="GGUF file to write")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    convert(args.model_dir, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
