"""Keystrokes before long jobs, in the real worker (the random-weight model), piped and shared.

A long chat or background generation pauses between decode steps for a waiting completion and
then resumes from its own KV cache, with the same greedy text as when it runs alone; prefill runs
in chunks that a cancel stops; a completion's time limit counts from its arrival.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from workers import stop_shared_workers

from qwen_lsp import messages as m
from qwen_lsp.backend import PipeBackend, SocketBackend, WorkerSpec

from .test_worker import SOURCE, fim
from .worker_events import Recorder

pytestmark = pytest.mark.worker


@pytest.fixture(params=["pipe", "shared"])
async def worker(request, tiny_model: Path, tmp_path: Path, monkeypatch):
    shared = request.param == "shared"
    if shared:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    spec = WorkerSpec(model=str(tiny_model), max_context_tokens=8192, shared=shared)
    backend = (SocketBackend if shared else PipeBackend)(spec, Recorder())
    await backend.start()
    yield backend
    await backend.stop()
    if shared:
        stop_shared_workers(tmp_path)


def recorded(worker) -> list[m.Done]:
    return worker.events.done


def long_chat(key: str) -> m.Chat:
    prompt = "Write the docs of this module.\n" + SOURCE[:1500]
    return m.Chat(
        id=0,
        messages=[{"role": "user", "content": prompt}],
        cache_key=f"action:{key}",
        job=f"docs:docstring:{key}",
        max_tokens=300,
        sampling=m.Sampling(),  # greedy: the text is the same however often it pauses
        stream=True,
    )


# Text the random model streams token by token (what it writes after most prefixes is spaces,
# which the streaming detokenizer holds back to the end: no sign that it is decoding).
STREAMS = "self."


def background(key: str) -> m.Generate:
    request = fim(STREAMS)
    request.cache_key, request.max_tokens, request.priority = key, 300, "background"
    request.stream = True
    return request


async def start_streaming(worker, request: m.Generate | m.Chat) -> asyncio.Future[m.Done]:
    """Send `request` and return once it is decoding (its first chunk came back)."""
    decoding = asyncio.Event()
    answer = asyncio.ensure_future(worker.request(request, on_chunk=lambda _: decoding.set()))
    await asyncio.wait_for(decoding.wait(), 60)
    return answer


def answered_before(worker, first: m.Done, second: m.Done) -> bool:
    ids = [d.id for d in recorded(worker)]
    return ids.index(first.id) < ids.index(second.id)


@pytest.mark.parametrize("make_long", [long_chat, background], ids=["chat", "background"])
async def test_a_keystroke_is_answered_while_a_long_generation_pauses(worker, make_long):
    alone = await worker.request(make_long("alone.py"))
    assert alone.usage.generated_tokens >= 100  # long enough to be caught running
    busy = await start_streaming(worker, make_long("busy.py"))
    keystroke = await worker.request(fim("def "))
    assert keystroke.finish_reason in ("stop", "length") and keystroke.usage.generated_tokens > 0
    resumed = await asyncio.wait_for(busy, 60)
    assert answered_before(worker, keystroke, resumed)
    assert (resumed.text, resumed.finish_reason) == (alone.text, alone.finish_reason)
    assert resumed.usage.generated_tokens == alone.usage.generated_tokens


async def test_background_work_on_the_typed_document_gives_way_and_its_cache(worker):
    warm = background("fim.py")
    warm.prompt = fim(STREAMS).prompt
    busy = await start_streaming(worker, warm)
    keystroke = await worker.request(fim(STREAMS))
    stopped = await asyncio.wait_for(busy, 60)
    assert stopped.finish_reason == "cancelled"
    assert keystroke.usage.reused_tokens == keystroke.usage.prompt_tokens - 1


def long_prompt(key: str) -> m.Generate:
    text = SOURCE * (1 + 8000 // len(SOURCE))
    return m.Generate(id=0, prompt=text[:8000], cache_key=key, max_tokens=0, priority="job")


async def test_a_cancel_stops_a_long_prefill_between_chunks(worker):
    alone = await worker.request(long_prompt("alone.py"))
    prefill_s = alone.usage.total_ms / 1000
    assert alone.usage.prompt_tokens >= 2500  # five chunks and more
    request = long_prompt("cancelled.py")
    task = asyncio.ensure_future(worker.request(request))
    await asyncio.sleep(prefill_s / 10)  # early: a machine whose load falls reads faster
    task.cancel()
    cancelled_at = time.perf_counter()
    while not any(d.id == request.id for d in recorded(worker)):
        await asyncio.sleep(0.005)
    assert time.perf_counter() - cancelled_at < prefill_s / 2
    done = next(d for d in recorded(worker) if d.id == request.id)
    assert done.finish_reason == "cancelled"
    again = await worker.request(long_prompt("cancelled.py"))  # what it had prefilled is kept
    assert 0 < again.usage.reused_tokens < again.usage.prompt_tokens - 1


async def test_the_time_limit_counts_from_the_requests_arrival(worker):
    """A request still waiting when its time is up is answered then (empty), not once it
    would have started: `first` is still generating."""
    first = fim(STREAMS)
    first.max_tokens, first.stream = 300, True
    running = await start_streaming(worker, first)
    late = fim("x = ")
    late.cache_key, late.max_time_ms = "late.py", 50
    answer = await worker.request(late)  # it waits behind `first` (the same priority)
    ahead = await running
    assert ahead.usage.generated_tokens >= 100 and answered_before(worker, answer, ahead)
    assert answer.finish_reason == "length" and answer.text == ""
