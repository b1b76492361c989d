"""`answer_within_ms` in the real worker: the text so far comes early, the generation goes on."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from qwen_lsp import messages as m
from qwen_lsp.backend import PipeBackend, WorkerSpec
from qwen_lsp.engine.fim import FimParts, render_fim_prompt

from .worker_events import Recorder

pytestmark = pytest.mark.worker

SOURCE = (Path(__file__).resolve().parents[2] / "server/qwen_lsp/engine/fim.py").read_text()
LONG = 64  # tokens: the random model writes on to the limit at this cursor


@pytest.fixture
async def worker(tiny_model):
    backend = PipeBackend(WorkerSpec(model=str(tiny_model), max_context_tokens=8192), Recorder())
    await backend.start()
    yield backend
    await backend.stop()


def fim(answer_within_ms: int = 0, job: str = "") -> m.Generate:
    parts = FimParts(
        path="fim.py", prefix=SOURCE[:3000], line_prefix="def spl", suffix=SOURCE[3000:3600]
    )
    prompt = render_fim_prompt(parts)
    return m.Generate(
        id=0, prompt=prompt, cache_key="fim.py", job=job, max_tokens=LONG,
        answer_within_ms=answer_within_ms,
    )  # fmt: skip


async def test_the_early_answer_comes_first_and_begins_the_same_greedy_text(worker: PipeBackend):
    plain = await worker.request(fim())
    assert plain.usage.generated_tokens == LONG and plain.text.strip()  # a long suggestion
    early: list[tuple[m.EarlyAnswer, float]] = []
    done = await worker.request(fim(1), on_early=lambda a: early.append((a, time.perf_counter())))
    ended = time.perf_counter()
    assert done.text == plain.text  # the box changes when the text comes, not what it is
    [(answer, at)] = early  # once
    assert at < ended and answer.usage.generated_tokens < done.usage.generated_tokens
    assert answer.text.strip() and len(answer.text) < len(done.text)
    assert done.text.startswith(answer.text)
    assert answer.usage.prompt_tokens == done.usage.prompt_tokens


async def test_a_newer_request_for_the_job_stops_the_generation_after_its_early_answer(
    worker: PipeBackend,
):
    answered = asyncio.Event()
    first = asyncio.ensure_future(
        worker.request(fim(1, job="complete:fim.py"), on_early=lambda _: answered.set())
    )
    await asyncio.wait_for(answered.wait(), 30)
    newer = await worker.request(fim(job="complete:fim.py"))
    stopped = await first
    assert stopped.finish_reason == "cancelled"
    assert stopped.usage.generated_tokens < LONG
    assert newer.usage.generated_tokens == LONG
