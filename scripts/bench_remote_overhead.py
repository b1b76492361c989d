"""What a remote backend adds: a completion through qwen-lsp to a model server, against the same
HTTP request sent to that server directly, side by side in one run.

    .venv/bin/python scripts/bench_remote_overhead.py --server mlx [--requests 40]
    .venv/bin/python scripts/bench_remote_overhead.py --server llama

Three paths per round, in rotating order: the full path (an editor → qwen-lsp over stdio → the
server), the backend alone in this process (its request building, streaming and parsing), and
the same HTTP request sent directly with httpx.
The server runs on 127.0.0.1 with a random-weight test model, so every answer is exactly
`--max-tokens` tokens long on both paths. Each request opens a new document whose first line
differs (no typing-through cache, no debounce, no server-side prompt reuse on either path); the
direct request's body is the one the backend builds for that document's prompt, and the two
paths alternate. Reports medians and p95 of wall time, and qwen-lsp's own `server_overhead_ms`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from editor_sim import REPO
from lsprotocol import types
from model_servers import free_port, llama_server_argv, mlx_server_argv, random_qwen3_gguf, serve
from pygls.lsp.client import LanguageClient

from qwen_lsp import messages as m
from qwen_lsp.backend.factory import make_backend
from qwen_lsp.backend.http import HttpBackend, RemoteSpec, Reply
from qwen_lsp.engine.completion import CompletionRequest, build_prompt
from qwen_lsp.engine.stats import percentile
from qwen_lsp.settings import parse_settings

BODY = '''import math


def ring_area(outer, inner):
    """Area between two circles."""
    return math.pi * (outer ** 2 - inner ** 2)


def circle_area(radius):
    '''
TINY_MODEL = REPO / "build" / "tiny-model"


def document(i: int) -> str:
    return f"# request {i:06d}\n{BODY}"


class _NoEvents:
    def on_state(self, state, detail) -> None: ...
    def on_progress(self, progress) -> None: ...
    def on_done(self, done) -> None: ...
    def on_log(self, line) -> None: ...


async def start_lsp(kind: str, url: str, settings: dict) -> LanguageClient:
    client = LanguageClient("bench-remote", "1")
    await client.start_io(sys.executable, "-m", "qwen_lsp", "--stdio")
    caps = types.ClientCapabilities(
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities()
        )
    )
    options = {"backend": kind, "remote": {"url": url}, **settings}
    await client.initialize_async(
        types.InitializeParams(
            capabilities=caps, root_uri=REPO.as_uri(), initialization_options=options
        )
    )
    client.initialized(types.InitializedParams())
    for _ in range(600):
        stats = await lsp_stats(client)
        if stats["worker"]["state"] == "ready":
            return client
        await asyncio.sleep(0.1)
    raise RuntimeError(f"qwen-lsp never connected: {stats['worker']}")


async def lsp_stats(client: LanguageClient) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="qwen.stats")
    )


async def through_lsp(client: LanguageClient, i: int) -> float:
    uri = (REPO / "bench" / f"doc{i}.py").as_uri()
    text = document(i)
    item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
    end = types.Position(line=text.count("\n"), character=len(text.rsplit("\n", 1)[1]))
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=end,
        context=types.InlineCompletionContext(
            trigger_kind=types.InlineCompletionTriggerKind.Automatic
        ),
    )
    started = time.perf_counter()
    await client.text_document_inline_completion_async(params)
    elapsed = (time.perf_counter() - started) * 1000
    ident = types.TextDocumentIdentifier(uri=uri)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=ident))
    return elapsed


def generate_for(settings: dict, i: int) -> m.Generate:
    """The request qwen-lsp makes for document i (no repository files, as configured)."""
    parsed = parse_settings(settings)
    text = document(i)
    request = CompletionRequest("", 1, f"bench/doc{i}.py", "python", text, len(text))
    plan = build_prompt(request, parsed.completion, parsed.context, repo_name=REPO.name)
    return m.Generate(
        id=1,
        prompt=plan.prompt,
        max_tokens=plan.max_tokens,
        stop=list(plan.stop),
        max_time_ms=parsed.completion.timeout_ms,
    )


CPU_MS: dict[str, list[float]] = {"direct": [], "backend": []}


async def in_process(backend: HttpBackend, settings: dict, i: int) -> float:
    """The backend alone, in this process: its request building, streaming and parsing."""
    started, cpu = time.perf_counter(), time.process_time()
    await backend.request(generate_for(settings, i))
    CPU_MS["backend"].append((time.process_time() - cpu) * 1000)
    return (time.perf_counter() - started) * 1000


async def direct(
    http: httpx.AsyncClient, spec: RemoteSpec, settings: dict, i: int, tokens: list[int]
) -> float:
    """The request the backend would send for document i, sent and read to its end; the
    server's prompt token count goes to `tokens` (read after the clock stops)."""
    generate = generate_for(settings, i)
    backend = make_backend(spec, _NoEvents())
    assert isinstance(backend, HttpBackend)
    path, body = backend.payload(generate)
    lines = []
    started, cpu = time.perf_counter(), time.process_time()
    async with http.stream("POST", spec.base + path, json=body) as response:
        async for line in response.aiter_lines():
            lines.append(line)
    elapsed = (time.perf_counter() - started) * 1000
    CPU_MS["direct"].append((time.process_time() - cpu) * 1000)
    reply = Reply()
    for line in lines:
        if line.startswith("data:") and line[5:].strip() != "[DONE]":
            backend.read_event(json.loads(line[5:]), reply)
    tokens.append(reply.usage.prompt_tokens if reply.usage else 0)
    return elapsed


def paired(path: list[float], direct_ms: list[float]) -> float:
    return round(statistics.median(a - b for a, b in zip(path, direct_ms, strict=True)), 2)


def summary(samples: list[float]) -> dict:
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(percentile(samples, 0.95), 2),
    }


async def measure(kind: str, url: str, requests: int, max_tokens: int) -> dict:
    # answerWithinMs 0: the full path waits for the whole answer, as the other two paths do.
    completion = {"maxTokens": max_tokens, "multiline": "always", "debounceMs": 0}
    settings = {"completion": {**completion, "answerWithinMs": 0}, "context": {"repoFiles": False}}
    spec = RemoteSpec(kind=kind, url=url)
    client = await start_lsp(kind, url, settings)
    lsp, raw, own, tokens = [], [], [], []
    backend = make_backend(spec, _NoEvents())
    assert isinstance(backend, HttpBackend)
    async with httpx.AsyncClient(timeout=120, trust_env=False) as http:
        for i in range(2):  # warm every path (connections, first-use costs)
            await through_lsp(client, 10_000 + i)
            await direct(http, spec, settings, 20_000 + i, tokens)
            await in_process(backend, settings, 30_000 + i)
        paths = [
            lambda i: through_lsp(client, 3 * i),
            lambda i: direct(http, spec, settings, 3 * i + 1, tokens),
            lambda i: in_process(backend, settings, 3 * i + 2),
        ]
        samples: list[list[float]] = [lsp, raw, own]
        for i in range(requests):
            order = [(i + k) % 3 for k in range(3)]  # rotate which path goes first
            for k in order:
                samples[k].append(await paths[k](i))
    await backend.stop()
    stats = await lsp_stats(client)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    direct_ms, lsp_ms, own_ms = summary(raw), summary(lsp), summary(own)
    return {
        "server": kind,
        "requests": requests,
        "max_tokens": max_tokens,
        "direct_ms": direct_ms,
        "backend_in_process_ms": own_ms,
        "backend_added_p50_ms": round(own_ms["p50"] - direct_ms["p50"], 2),
        # Each round's three requests ran back to back: their differences cancel the drift
        # of a loaded machine better than differences of medians.
        "backend_added_paired_median_ms": paired(own, raw),
        "lsp_added_paired_median_ms": paired(lsp, raw),
        # CPU time of this process per request: what the backend's own code costs, which a
        # loaded machine's scheduling delays do not blur (the direct path builds no body).
        "cpu_ms_direct_p50": round(statistics.median(CPU_MS["direct"]), 2),
        "cpu_ms_backend_p50": round(statistics.median(CPU_MS["backend"]), 2),
        "through_qwen_lsp_ms": lsp_ms,
        "added_p50_ms": round(lsp_ms["p50"] - direct_ms["p50"], 2),
        "ratio_p50": round(lsp_ms["p50"] / direct_ms["p50"], 3),
        "qwen_lsp_server_overhead_ms": stats["server_overhead_ms"],
        "generated_tokens_per_request": round(stats["generated_tokens"] / stats["model_calls"], 1),
        "prompt_tokens_per_request": round(stats["prompt_tokens"] / stats["model_calls"], 1),
        "direct_prompt_tokens_per_request": round(statistics.mean(tokens), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=("mlx", "llama"), default="mlx")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--max-tokens", type=int, default=32)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        if args.server == "mlx":
            argv, kind = mlx_server_argv(TINY_MODEL, port), "openai"
        else:
            gguf = random_qwen3_gguf(TINY_MODEL, Path(tmp) / "random-qwen3.gguf")
            argv, kind = llama_server_argv(gguf, port), "llamacpp"
        with serve(argv, port, "/health", log) as url:
            result = asyncio.run(measure(kind, url, args.requests, args.max_tokens))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
