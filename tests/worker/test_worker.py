"""The real model worker process, driven through the pipe backend with the random-weight model."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from qwen_lsp import messages as m
from qwen_lsp.backend import BackendState, PipeBackend, WorkerSpec
from qwen_lsp.engine.fim import FimParts, render_fim_prompt
from qwen_lsp.errors import GenerationFailed, ModelUnavailable

from .worker_events import Recorder

pytestmark = pytest.mark.worker

SOURCE = (Path(__file__).resolve().parents[2] / "server/qwen_lsp/engine/fim.py").read_text()


@pytest.fixture
async def worker(tiny_model):
    events = Recorder()
    backend = PipeBackend(WorkerSpec(model=str(tiny_model), max_context_tokens=8192), events)
    await backend.start()
    backend.recorder = events  # type: ignore[attr-defined]
    yield backend
    await backend.stop()


def fim(typed: str) -> m.Generate:
    parts = FimParts(
        path="fim.py", prefix=SOURCE[:3000], line_prefix=typed, suffix=SOURCE[3000:3600]
    )
    return m.Generate(id=0, prompt=render_fim_prompt(parts), cache_key="fim.py", max_tokens=8)


async def test_loading_reports_progress_up_to_ready(worker: PipeBackend):
    events = worker.recorder  # type: ignore[attr-defined]
    percents = [p.percent for p in events.progress if p.percent is not None]
    assert percents == sorted(percents) and percents[-1] == 100
    assert events.states == [BackendState.LOADING, BackendState.READY]


async def test_next_keystroke_reuses_the_kv_cache(worker: PipeBackend):
    first = await worker.request(fim("def spl"))
    assert first.usage.reused_tokens == 0 and first.usage.generated_tokens > 0
    second = await worker.request(fim("def spli"))
    assert second.usage.reused_tokens / second.usage.prompt_tokens >= 0.95
    third = await worker.request(fim("def spli"))  # the same prompt again: fully cached
    assert third.usage.reused_tokens == third.usage.prompt_tokens - 1
    assert third.text == second.text  # greedy and cached: the same answer


async def test_max_tokens_0_prefills_the_documents_cache_only(worker: PipeBackend):
    warm = fim("def spl")
    warm.max_tokens = 0
    prefilled = await worker.request(warm)
    assert prefilled.text == "" and prefilled.usage.generated_tokens == 0
    assert prefilled.usage.reused_tokens == 0 and prefilled.usage.prompt_tokens > 500
    typed = await worker.request(fim("def spli"))  # the next keystroke finds the prompt cached
    assert typed.usage.reused_tokens / typed.usage.prompt_tokens >= 0.95
    assert typed.usage.generated_tokens > 0
    cold = fim("def spli")
    cold.cache_key = "cold.py"
    assert (await worker.request(cold)).text == typed.text  # the pre-warm changed no answer


async def test_caches_are_kept_per_document(worker: PipeBackend):
    await worker.request(fim("x = "))
    other = fim("x = ")
    other.cache_key = "other.py"
    answer = await worker.request(other)
    assert answer.usage.reused_tokens == 0
    assert answer.usage.warm_caches == 2  # one live cache per document, not one per request


async def test_cancel_stops_generation_within_a_token(worker: PipeBackend):
    long = fim("def ")
    long.max_tokens = 3000
    task = asyncio.ensure_future(worker.request(long))
    await asyncio.sleep(0.3)
    task.cancel()
    quick = await worker.request(fim("def "))  # one generation thread: the long one stopped
    assert quick.finish_reason in ("stop", "length")
    cancelled = [d for d in worker.recorder.done if d.finish_reason == "cancelled"]  # type: ignore[attr-defined]
    assert len(cancelled) == 1 and cancelled[0].usage.generated_tokens < 3000


async def test_stop_strings_end_the_generation(worker: PipeBackend):
    request = fim("def ")
    request.max_tokens = 64
    free = await worker.request(request)
    assert len(free.text) > 2
    stop = free.text[1:3]
    request.stop = [stop]
    stopped = await worker.request(request)
    assert stopped.finish_reason == "stop"
    assert stopped.text == free.text[: free.text.find(stop)]


async def test_too_long_prompt_fails_that_request_only(worker: PipeBackend):
    huge = m.Generate(id=0, prompt="x = 1\n" * 5000, max_tokens=8)
    with pytest.raises(GenerationFailed, match="maxContextTokens"):
        await worker.request(huge)
    assert (await worker.request(fim("y"))).finish_reason in ("stop", "length")


async def test_chat_with_tools_renders_and_reports_no_tool_calls(worker: PipeBackend):
    tool = {
        "type": "function",
        "function": {
            "name": "replace_lines",
            "description": "Replace lines",
            "parameters": {"type": "object", "properties": {"text": {"type": "string"}}},
        },
    }
    chat = m.Chat(id=0, messages=[{"role": "user", "content": "hi"}], tools=[tool], max_tokens=8)
    done = await worker.request(chat)
    assert done.usage.prompt_tokens > 20  # the tool schema went into the prompt
    assert done.tool_calls == []  # random weights never write a well-formed call


async def test_crashed_worker_fails_pending_and_restarts(worker: PipeBackend):
    long = fim("def ")
    long.max_tokens = 3000
    task = asyncio.ensure_future(worker.request(long))
    await asyncio.sleep(0.3)
    first_pid = worker.pid
    assert worker._proc is not None
    worker._proc.kill()
    with pytest.raises(Exception, match="exited"):
        await asyncio.wait_for(task, 5)
    answer = await worker.request(fim("def "))  # restarted on demand
    assert worker.pid != first_pid and answer.usage.prompt_tokens > 0


async def test_missing_model_fails_fast_with_a_clear_error(tmp_path):
    events = Recorder()
    backend = PipeBackend(WorkerSpec(model=str(tmp_path / "nope")), events)
    with pytest.raises(ModelUnavailable, match="does not exist"):
        await asyncio.wait_for(backend.start(), 30)
    assert backend.state is BackendState.FAILED
    with pytest.raises(ModelUnavailable):  # and is not respawned in a loop
        await backend.request(m.Generate(id=0, prompt="x"))
    await backend.stop()


def chat(job: str) -> m.Chat:
    return m.Chat(
        id=0,
        messages=[{"role": "user", "content": "Document area()."}],
        cache_key="action:geometry.py",  # one KV cache per file, whatever the job
        job=job,
        max_tokens=4,
    )


async def hold_the_worker(worker: PipeBackend) -> asyncio.Future[m.Done]:
    """A generation (~9 s here) that outlasts the requests sent next even on a loaded machine,
    so they wait in the queue behind it; the caller cancels it once they are queued."""
    busy = asyncio.ensure_future(worker.request(m.Generate(id=0, prompt="x", max_tokens=4000)))
    await asyncio.sleep(0.2)
    assert not busy.done(), "the busy generation ended before the requests under test queued"
    return busy


async def test_queued_jobs_sharing_a_cache_key_do_not_cancel_each_other(worker: PipeBackend):
    busy = await hold_the_worker(worker)
    action = asyncio.ensure_future(worker.request(chat("action:docstring:geometry.py:3-5")))
    await asyncio.sleep(0.05)
    on_save = asyncio.ensure_future(worker.request(chat("docs:docstring:geometry.py:3-5")))
    await asyncio.sleep(0.05)
    assert not busy.done() and not action.done()  # both chats were queued together
    busy.cancel()  # cancelling the awaiting task stops the generation in the worker
    results = await asyncio.gather(action, on_save)
    assert "cancelled" not in [r.finish_reason for r in results]
    assert all(r.usage.generated_tokens > 0 for r in results)


async def test_a_newer_request_for_the_same_job_supersedes_the_queued_one(worker: PipeBackend):
    busy = await hold_the_worker(worker)
    older = asyncio.ensure_future(worker.request(chat("action:docstring:geometry.py:3-5")))
    await asyncio.sleep(0.05)
    newer = asyncio.ensure_future(worker.request(chat("action:docstring:geometry.py:3-5")))
    await asyncio.sleep(0.05)
    assert not busy.done()  # both chats reached the queue behind it
    busy.cancel()
    older_done, newer_done = await asyncio.gather(older, newer)
    assert older_done.finish_reason == "cancelled" and newer_done.finish_reason != "cancelled"
