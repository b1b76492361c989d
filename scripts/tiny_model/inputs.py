"""What a trained test model is made from, as one hash (light: no mlx, no training imports).

The hash covers the training files, the training code, and the prompts and answers the model
learns as the server's engine renders them today — not the engine's source text, so a refactor
that leaves every prompt the same keeps the committed model (tests/fixtures/trained-model).
A unit test compares the committed hash with the current one: a prompt change cannot silently
leave an old model in place.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from importlib import resources
from pathlib import Path

KEY_FILE = "inputs.sha256"
DEFAULT_STEPS = 900
DEFAULT_SEED = 0
HERE = Path(__file__).resolve().parent
# The code that turns prompts into weights (the prompts themselves are hashed as rendered).
TRAINING_CODE = (
    "build.py",
    "chat_examples.py",
    "fast_blas.py",
    "fim_examples.py",
    "model.py",
    "sgemm_shim.c",
    "tokenizer.py",
    "train.py",
    "trainer.py",
)
FIM_SAMPLES = 400  # holes rendered into the hash: every file, every hole shape and repo name


def package_file(name: str) -> str:
    return (resources.files("qwen_lsp") / name).read_text("utf-8")


def inputs_key(files: list[Path], steps: int = DEFAULT_STEPS, seed: int = DEFAULT_SEED) -> str:
    """Hash of everything a trained build depends on (file names and contents, not paths)."""
    digest = hashlib.sha256(f"steps={steps} seed={seed}\n".encode())
    files = sorted(files, key=lambda path: path.name)
    for path in [*files, *(HERE / name for name in TRAINING_CODE)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(package_file("data/chat_template.jinja").encode())
    for text in rendered_prompts(files, seed):
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def rendered_prompts(files: list[Path], seed: int) -> list[str]:
    """The server's prompts for the training examples: every code action on every definition
    (messages, tools and the answer taught), and a seeded sample of FIM holes."""
    from tiny_model import chat_examples as chat
    from tiny_model import fim_examples as fim

    sources = [fim.SourceFile.read(path) for path in files]
    out = []
    rng = random.Random(seed)
    for source in sources:
        for req, definition in chat.action_requests(source, rng):
            offered = chat.tools.tools_for(req.kind)
            messages = [*chat.actions.build_messages(req), chat.answer(req, definition)]
            out.append(json.dumps([messages, offered], sort_keys=True, default=repr))
    rng = random.Random(seed)
    weights = [len(s.line_spans()) for s in sources]
    for _ in itertools.repeat(None, FIM_SAMPLES):
        source = rng.choices(sources, weights)[0]
        start, end = fim.random_span(source, rng)
        document = source.text[:start] + source.text[end:]
        out.append(fim.fim_prompt(document, start, source.path, rng.choice(fim.REPO_NAMES)))
    return out
