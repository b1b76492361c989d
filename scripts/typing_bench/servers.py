"""The peers' servers on 127.0.0.1, every model process started the same way: the `cblas_sgemm`
shim preloaded with one OpenBLAS thread (scripts/tiny_model/fast_blas.py), as qwen-lsp's worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tiny_model import fast_blas

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build"
LLAMA_SERVER = BUILD / "llama.cpp" / "bin" / "llama-server"
GGUF_CONVERTER = REPO / "scripts" / "mlx_to_gguf.py"
READY_TIMEOUT_S = 300


def model_env() -> dict[str, str]:
    """The environment of every model process: the sgemm shim preloaded where it builds."""
    env = dict(os.environ)
    shim = fast_blas.build_shim(BUILD)
    if shim is not None:
        env["LD_PRELOAD"] = f"{shim} {env.get('LD_PRELOAD', '')}".strip()
        env["OPENBLAS_NUM_THREADS"] = "1"
        env[fast_blas.SHIM_ENV] = str(shim)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mib(pid: int | None) -> float:
    """Peak resident memory of a live process (VmHWM, Linux); 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        pass
    return 0.0


def kill(pid: int | None) -> None:
    """End a process this benchmark started (by its id)."""
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Server:
    """A server process on a loopback port; `ready` polls `health_path` until it answers 200."""

    def __init__(self, command: list[str], port: int, health_path: str, log: Path) -> None:
        self.port, self.health_path = port, health_path
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self.process = subprocess.Popen(
            command, env=model_env(), stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    async def ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"server exited ({self.process.returncode}): {tail}")
            try:
                status, _ = await http_get(self.port, self.health_path)
                if status == 200:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.5)
        raise RuntimeError(f"server on port {self.port} not ready after {READY_TIMEOUT_S} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_mlx_server(model: str, log: Path) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "mlx_lm.server", "--model", model]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
    return Server(command, port, "/v1/models", log)


def llama_missing() -> str | None:
    """Why the llama.cpp peer cannot run here, or None."""
    if not LLAMA_SERVER.is_file():
        return f"not built ({LLAMA_SERVER.relative_to(REPO)} missing: make llama-server)"
    if not GGUF_CONVERTER.is_file():
        return f"not built ({GGUF_CONVERTER.relative_to(REPO)} missing)"
    return None


def gguf_for(model_dir: Path) -> Path:
    """The model converted to GGUF (scripts/mlx_to_gguf.py), once per model build."""
    out = BUILD / "gguf" / f"{model_dir.name}.gguf"
    weights = model_dir / "model.safetensors"
    if not out.is_file() or out.stat().st_mtime < weights.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(GGUF_CONVERTER), str(model_dir), str(out)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out


def start_llama_server(model_dir: Path, context: int, log: Path) -> Server:
    """As llama.vim's README starts it (--fim-qwen-*-default: -ub/-b 1024, --cache-reuse 256)."""
    port = free_port()
    command = [str(LLAMA_SERVER), "-m", str(gguf_for(model_dir)), "--host", "127.0.0.1"]
    command += ["--port", str(port), "-c", str(context), "-ub", "1024", "-b", "1024"]
    command += ["--cache-reuse", "256", "--parallel", "1"]
    return Server(command, port, "/health", log)


async def _http(port: int, request: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 24)
    writer.write(request)
    await writer.drain()
    return reader, writer


def _request(method: str, path: str, port: int, body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


async def _status(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status = int((await reader.readline()).split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode().partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def http_get(port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await _http(port, _request("GET", path, port))
    try:
        status, _ = await _status(reader)
        return status, await reader.read()
    finally:
        writer.close()


async def post_json(port: int, path: str, body: dict) -> dict:
    reader, writer = await _http(port, _request("POST", path, port, body))
    try:
        status, headers = await _status(reader)
        data = await reader.read()
        if "chunked" in headers.get("transfer-encoding", ""):
            data = _unchunk(data)
        if status != 200:
            raise RuntimeError(f"POST {path}: HTTP {status}: {data[:300]!r}")
        return json.loads(data)
    finally:
        writer.close()


def _unchunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


class EventStream:
    """A POST answered with server-sent events; `close()` drops the connection (an abort)."""

    def __init__(self, port: int, path: str, body: dict) -> None:
        self.port, self.path, self.body = port, path, body
        self.writer: asyncio.StreamWriter | None = None

    async def events(self):
        reader, self.writer = await _http(
            self.port, _request("POST", self.path, self.port, self.body)
        )
        status, _ = await _status(reader)
        if status != 200:
            raise RuntimeError(f"POST {self.path}: HTTP {status}: {(await reader.read())[:300]!r}")
        while line := await reader.readline():
            line = line.strip()
            if line.startswith(b"data: "):
                payload = line[6:]
                if payload == b"[DONE]":
                    return
                yield json.loads(payload)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
