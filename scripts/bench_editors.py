"""How many editors one model server carries: N simulated editors type at once, each its own
file, asking for a FIM completion after every keystroke (closed loop: answer, think, type). Each
editor's first request (the file just opened: a cold prefill) is sent before its clock starts.

Side by side, in one run and with the same prompts: qwen-lsp's shared worker (one unix-socket
connection per editor, as each window's language server holds) and mlx_lm.server (one HTTP
request per keystroke to /v1/completions, as Continue sends them). Reports per-request latency
p50/p95 over all editors, the worst editor's p95, and requests per second: medians of
--repeats rounds per N, each typing a new part of the files, the two servers' order alternating.

    .venv/bin/python scripts/bench_editors.py --model build/tiny-model [--editors 1,2,4,8]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from editor_sim import REPO

from qwen_lsp import messages as m
from qwen_lsp.backend import SocketBackend, WorkerSpec
from qwen_lsp.engine.fim import STOP_MARKERS, char_budgets, render_fim_prompt, split_at_cursor
from qwen_lsp.engine.stats import percentile

FILES = sorted((REPO / "server" / "qwen_lsp" / "engine").glob("[a-z]*.py"))
Send = Callable[[str, str], Awaitable[int]]  # (prompt, document) → generated tokens


class Quiet:
    """Backend events nobody watches here."""

    def on_state(self, state, detail: str) -> None: ...
    def on_progress(self, progress) -> None: ...
    def on_done(self, done) -> None: ...
    def on_log(self, line: str) -> None: ...


def prompts(path: Path, keystrokes: int, fraction: float) -> list[str]:
    """The FIM prompt after each keystroke of typing `path` from `fraction` of the way in."""
    text = path.read_text()
    start = text.index("\n", int(len(text) * fraction)) + 1
    after = text[text.index("\n", start + keystrokes) :]
    prefix_chars, suffix_chars = char_budgets(2048)
    out = []
    for typed in range(1, keystrokes + 1):
        current = text[: start + typed] + after
        parts = split_at_cursor(
            current, start + typed, path=path.name, prefix_chars=prefix_chars,
            suffix_chars=suffix_chars,
        )  # fmt: skip
        out.append(render_fim_prompt(parts))
    return out


async def editor(send: Send, path: Path, args, tokens: list[int], spans: list[float]):
    latencies = []
    first, *typed = prompts(path, args.keystrokes + 1, args.fraction)
    await send(first, path.name)  # opening the file: a cold prefill, not a keystroke
    spans.append(time.perf_counter())
    for prompt in typed:
        started = time.perf_counter()
        tokens.append(await send(prompt, path.name))
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(args.think_s)
    spans.append(time.perf_counter())
    return latencies


async def run_round(sends: list[Send], args: argparse.Namespace) -> dict:
    tokens: list[int] = []
    spans: list[float] = []  # when each editor's typing started and ended
    per_editor = await asyncio.gather(
        *(editor(send, FILES[i % len(FILES)], args, tokens, spans) for i, send in enumerate(sends))
    )
    elapsed = max(spans) - min(spans)
    pooled = sorted(ms for latencies in per_editor for ms in latencies)
    return {
        "p50_ms": round(statistics.median(pooled), 1),
        "p95_ms": round(percentile(pooled, 0.95), 1),
        "worst_editor_p95_ms": round(max(percentile(x, 0.95) for x in per_editor)),
        "requests_per_s": round(len(pooled) / elapsed, 2),
        "tokens_per_request": round(statistics.mean(tokens), 1),
    }


# --- qwen-lsp's shared worker -----------------------------------------------------------------


def worker_send(backend: SocketBackend, max_tokens: int) -> Send:
    async def send(prompt: str, document: str) -> int:
        request = m.Generate(id=0, prompt=prompt, cache_key=document, max_tokens=max_tokens)
        return (await backend.request(request)).usage.generated_tokens

    return send


async def connect_worker(model: str) -> SocketBackend:
    backend = SocketBackend(WorkerSpec(model=model, shared=True, idle_timeout_s=2), Quiet())
    await backend.start()
    return backend


# --- mlx_lm.server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(port: int, path: str, body: dict | None = None) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        if body is None:
            conn.request("GET", path)
        else:
            headers = {"Content-Type": "application/json"}
            conn.request("POST", path, json.dumps(body), headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}: {payload[:200]!r}")
        return json.loads(payload) if payload else {}
    finally:
        conn.close()


def start_mlx_server(model: str, port: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "mlx_lm", "server", "--model", model]
    argv += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            post(port, "/v1/completions", {"prompt": "x", "max_tokens": 1})
            return server
        except (OSError, RuntimeError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("mlx_lm.server did not start") from None
            time.sleep(0.2)


def http_send(port: int, max_tokens: int) -> Send:
    async def send(prompt: str, document: str) -> int:
        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": 0.0}
        body["stop"] = list(STOP_MARKERS)
        answer = await asyncio.to_thread(post, port, "/v1/completions", body)
        return int(answer.get("usage", {}).get("completion_tokens", 0))

    return send


async def worker_round(args: argparse.Namespace, n: int) -> dict:
    """One connection per editor, as each window's language server holds one."""
    clients = [await connect_worker(args.model) for _ in range(n)]
    result = await run_round([worker_send(c, args.max_tokens) for c in clients], args)
    for client in clients:
        await client.stop()
    return result


def medians(rounds: list[dict]) -> dict:
    return {key: round(statistics.median(r[key] for r in rounds), 2) for key in rounds[0]}


async def bench(args: argparse.Namespace) -> dict:
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="qwen-bench-")
    holder = await connect_worker(args.model)  # keeps the worker (and its caches) between rounds
    port = free_port()
    server = start_mlx_server(args.model, port)
    results: dict = {"worker_pid": holder.pid, "rounds": []}
    try:
        for n in args.editors:
            runs: dict[str, list[dict]] = {"shared_worker": [], "mlx_lm_server": []}
            for repeat in range(args.repeats):
                args.fraction = 0.3 + 0.5 * repeat / args.repeats  # new text: no cached answers
                order = ["shared_worker", "mlx_lm_server"][:: -1 if repeat % 2 else 1]
                for target in order:
                    if target == "shared_worker":
                        runs[target].append(await worker_round(args, n))
                    else:
                        sends = [http_send(port, args.max_tokens) for _ in range(n)]
                        runs[target].append(await run_round(sends, args))
            row = {"editors": n, **{key: medians(rounds) for key, rounds in runs.items()}}
            print(json.dumps(row), flush=True)
            results["rounds"].append(row)
    finally:
        server.terminate()
        server.wait()
        await holder.stop()  # the worker exits after its 2 s idle timeout
    return results


def table(results: dict) -> str:
    lines = [
        "| editors | shared worker p50 / p95 (worst editor p95) | req/s "
        "| mlx_lm.server p50 / p95 (worst editor p95) | req/s | tokens/request (ours, theirs) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rounds"]:
        cells = [str(row["editors"])]
        for key in ("shared_worker", "mlx_lm_server"):
            r = row[key]
            cells += [
                f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} ms ({r['worst_editor_p95_ms']:.0f})",
                f"{r['requests_per_s']:.1f}",
            ]
        tokens = [row[key]["tokens_per_request"] for key in ("shared_worker", "mlx_lm_server")]
        cells.append(f"{tokens[0]:.1f}, {tokens[1]:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(REPO / "build" / "tiny-model"))
    parser.add_argument("--editors", default="1,2,4,8", type=lambda s: list(map(int, s.split(","))))
    parser.add_argument("--keystrokes", type=int, default=24, help="per editor and round")
    parser.add_argument("--think-ms", type=int, default=100, help="pause after each answer")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3, help="rounds per N, order alternating")
    args = parser.parse_args()
    args.think_s = args.think_ms / 1000
    results = asyncio.run(bench(args))
    print(json.dumps(results, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
