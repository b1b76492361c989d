"""Completion latency while a docs job runs vs with the worker idle: main's FIFO worker beside
this one, in one run.

    .venv/bin/python scripts/bench_preemption.py [--model build/cost-model] [--keystrokes 8]
        [--before REF]

Two pipe workers load the same model: this tree's, and the worker of REF (default: the commit
this branch left main at) extracted with `git archive`; both run with the `cblas_sgemm` shim
preloaded, as the typing benchmark's model processes do. Both serve the same person typing into
one file (FIM requests of 16 tokens, each keystroke adding one character, sequential), keystroke
by keystroke in alternating order: first with the worker idle, then each keystroke sent at the
same random moment of a docs-on-save Chat just started on each worker (a cold prompt of a
60-line module, greedy). Latency runs from sending the request to its Done; medians and p95.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from copy import copy
from pathlib import Path

from tiny_model.cost_model import read_rates
from typing_bench.servers import model_env

from qwen_lsp import messages as m
from qwen_lsp.engine.fim import FimParts, render_fim_prompt
from qwen_lsp.engine.stats import percentile

REPO = Path(__file__).resolve().parents[1]
TYPED_FILE = REPO / "server/qwen_lsp/engine/fim.py"
DOCS_FILE = REPO / "server/qwen_lsp/engine/completion.py"
READY_TIMEOUT_S = 300
DOCS_TOKENS = 96
DOCS_CHARS = 2000  # about 700 tokens: a module of ~60 lines


class Worker:
    """A pipe worker process driven with raw frames; answers resolve futures by request id."""

    def __init__(self, name: str, pythonpath: Path, model: Path) -> None:
        self.name = name
        env = {**model_env(), "PYTHONPATH": str(pythonpath)}
        argv = [sys.executable, "-m", "qwen_lsp.worker", "--model", str(model)]
        argv += ["--max-context-tokens", "16384"]
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=tempfile.gettempdir()
        )
        self.ids = itertools.count(1)
        self.waiting: dict[int, Future[tuple[m.Done, float]]] = {}
        self.ready: Future[m.FromWorker] = Future()
        self.step_ms: list[float] = []  # of each keystroke answered
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while (body := m.read_frame(self.proc.stdout)) is not None:
            message = m.decode_from_worker(body)
            if isinstance(message, m.Ready | m.LoadFailed):
                self.ready.set_result(message)
            elif isinstance(message, m.Done | m.Failed):
                answer = self.waiting.pop(message.id)
                if isinstance(message, m.Failed):
                    answer.set_exception(RuntimeError(f"{self.name}: {message.error}"))
                else:
                    answer.set_result((message, time.perf_counter()))

    def send(self, message: m.ToWorker) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(m.encode(message))
        self.proc.stdin.flush()

    def submit(self, request: m.Generate | m.Chat) -> Future[tuple[m.Done, float]]:
        request.id = next(self.ids)
        self.waiting[request.id] = answer = Future()
        self.send(request)
        return answer

    def latency(self, request: m.Generate) -> float:
        sent = time.perf_counter()
        done, answered = self.submit(request).result(timeout=120)
        self.step_ms.append(decode_step_ms(done.usage))
        return answered - sent

    def stop(self) -> None:
        self.send(m.Shutdown())
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def keystrokes(count: int) -> list[m.Generate]:
    """One file typed into at one place: each request's prompt adds a character."""
    text = TYPED_FILE.read_text()
    cut = text.index("\ndef ", len(text) // 2) + 1
    typed = "def parse_stop_sequences(text: str, separator: str = ',') -> list[str]:"
    requests = []
    for n in range(1, min(count, len(typed)) + 1):
        parts = FimParts(
            path="engine/fim.py",
            prefix=text[max(0, cut - 4000) : cut],
            line_prefix=typed[:n],
            suffix=text[cut : cut + 800],
        )
        prompt = render_fim_prompt(parts)
        requests.append(m.Generate(id=0, prompt=prompt, cache_key="engine/fim.py", max_tokens=16))
    return requests


def docs_job(n: int) -> m.Chat:
    """A docs-on-save job on a module: a new cache key each time, so it prefills cold."""
    source = DOCS_FILE.read_text()[:DOCS_CHARS]
    content = f"Write a docstring for every function of this module:\n\n{source}"
    return m.Chat(
        id=0,
        messages=[{"role": "user", "content": content}],
        cache_key=f"action:docs{n}",
        job=f"docs:docstring:docs{n}",
        max_tokens=DOCS_TOKENS,
        sampling=m.Sampling(),
    )


def busy_latency(worker: Worker, request: m.Generate, job: m.Chat, delay_s: float) -> float | None:
    """The keystroke's latency sent `delay_s` into a docs job (None if the job ended first)."""
    running = worker.submit(job)
    time.sleep(delay_s)
    if running.done():
        return None
    latency = worker.latency(request)
    if not running.done():
        worker.send(m.Cancel(id=job.id))  # measured: the rest of the job would only cost time
    running.result(timeout=600)
    return latency


def measure(workers: list[Worker], count: int, rng: random.Random, job_s: float) -> dict:
    """Per worker, (idle latencies, latencies with a docs job running) of the same keystrokes,
    typed on; the workers alternate keystroke by keystroke, sharing the machine's noise."""
    results: dict[str, tuple[list[float], list[float]]] = {w.name: ([], []) for w in workers}
    requests = keystrokes(2 * count + 1)
    for worker in workers:
        worker.latency(requests[0])  # the file's first prompt, cold: not counted
    jobs = itertools.count()
    for i, request in enumerate(requests[1:]):
        busy = i >= count
        delay_s = rng.uniform(0.05, 0.8) * job_s  # somewhere in the job's prefill or decoding
        job = docs_job(next(jobs))
        for worker in workers if i % 2 == 0 else workers[::-1]:
            if not busy:
                results[worker.name][0].append(worker.latency(copy(request)))
            elif (latency := busy_latency(worker, copy(request), copy(job), delay_s)) is not None:
                results[worker.name][1].append(latency)
    return results


def summary(values: list[float]) -> str:
    if not values:
        return "n=0"
    p95 = percentile(values, 0.95)
    p50 = statistics.median(values)
    return f"p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  n={len(values)}"


def extract(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "server/qwen_lsp"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "server"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=REPO / "build/cost-model")
    parser.add_argument("--keystrokes", type=int, default=8, help="per phase")
    parser.add_argument("--before", help="git ref of the FIFO worker (default: merge-base main)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    before = (
        args.before
        or subprocess.run(
            ["git", "-C", str(REPO), "merge-base", "HEAD", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    rates = read_rates(args.model) or {}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        workers = [
            Worker(f"before ({before[:8]}, FIFO)", extract(before, Path(tmp)), args.model),
            Worker("after (priorities)", REPO / "server", args.model),
        ]
        for worker in workers:
            loaded = worker.ready.result(timeout=READY_TIMEOUT_S)
            if not isinstance(loaded, m.Ready):
                raise SystemExit(f"{worker.name} did not load: {loaded}")
        # How long a docs job takes alone (cold), to send keystrokes at random moments of it.
        alone = {w.name: job_alone(w) for w in workers}
        job_s = min(seconds for seconds, _ in alone.values())
        rng = random.Random(args.seed)
        results = measure(workers, args.keystrokes, rng, job_s)
        for worker in workers:
            worker.stop()
    print(f"model {args.model.name}: {rates}")
    print(
        f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    for worker in workers:
        seconds, usage = alone[worker.name]
        print(
            f"{worker.name}: docs job alone {seconds * 1000:.0f} ms ({usage.prompt_tokens} prompt "
            f"tokens in {usage.ttft_ms:.0f} ms, {usage.generated_tokens} generated, "
            f"{decode_step_ms(usage):.0f} ms per decode step); keystroke decode step p50 "
            f"{statistics.median(worker.step_ms):.0f} ms"
        )
    for name, (idle, busy) in results.items():
        print(f"{name:32} idle: {summary(idle)}")
        print(f"{'':32} docs job running: {summary(busy)}")
        if idle and busy:
            extra = statistics.median(busy) - statistics.median(idle)
            print(f"{'':32} added by the job (p50): {extra * 1000:.0f} ms")


def decode_step_ms(usage: m.Usage) -> float:
    return (usage.total_ms - usage.ttft_ms) / max(1, usage.generated_tokens - 1)


def job_alone(worker: Worker) -> tuple[float, m.Usage]:
    """How long a docs job takes alone (cold prompt), and its usage."""
    started = time.perf_counter()
    done, answered = worker.submit(docs_job(-1)).result(timeout=600)
    return answered - started, done.usage


if __name__ == "__main__":
    main()
