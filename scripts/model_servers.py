"""Real model servers on 127.0.0.1 for the remote-backend tests and benchmarks: mlx_lm.server
(in .venv) and llama.cpp's llama-server (`make llama-server`)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LLAMA_SERVER = ROOT / "build" / "llama.cpp" / "bin" / "llama-server"
START_TIMEOUT_S = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def llama_server_binary() -> Path:
    """The binary, built by its make target when missing (as `make test` does first)."""
    if not LLAMA_SERVER.exists():
        subprocess.run(["make", "llama-server"], cwd=ROOT, check=True)
    return LLAMA_SERVER


@contextlib.contextmanager
def serve(argv: list[str], port: int, health: str, log: Path) -> Iterator[str]:
    """Run a server with its output in `log` until it answers `health`; yield its URL."""
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(url + health):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{argv[0]} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def mlx_server_argv(model: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "mlx_lm.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "INFO",
    ]  # fmt: skip


def llama_server_argv(gguf: Path, port: int, api_key: str = "") -> list[str]:
    """One slot (requests queue behind each other), one thread, a context that fits the tests."""
    argv = [
        str(llama_server_binary()), "-m", str(gguf), "--host", "127.0.0.1", "--port", str(port),
        "-c", "8192", "-np", "1", "-t", "1", "--no-webui",
    ]  # fmt: skip
    return [*argv, "--api-key", api_key] if api_key else argv


def random_qwen3_gguf(tokenizer_dir: Path, out: Path) -> Path:
    """A random-weight dense qwen3 model with `tokenizer_dir`'s tokenizer, as GGUF. Random
    weights never produce the end token by intent: each generation runs to its token limit."""
    import json
    import shutil

    from mlx_to_gguf import convert
    from tiny_model.model import model_config, random_model, save_model

    model_dir = out.with_suffix("")
    model_dir.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "generation_config.json"):
        shutil.copy(tokenizer_dir / name, model_dir / name)
    base = json.loads((tokenizer_dir / "config.json").read_text())
    config = model_config("qwen3", base["vocab_size"], base["eos_token_id"])
    save_model(model_dir, random_model(config, seed=0), config)
    convert(model_dir, out)
    return out
