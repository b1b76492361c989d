"""One real model worker shared by several clients over its unix socket (the tiny model)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
from workers import shared_worker_pids, stop_shared_workers

from qwen_lsp import messages as m
from qwen_lsp.backend import BackendState, SocketBackend, WorkerSpec
from qwen_lsp.errors import ModelUnavailable
from qwen_lsp.runtime_dir import runtime_dir, worker_paths

from .test_worker import Recorder, fim

pytestmark = pytest.mark.worker


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    yield tmp_path
    stop_shared_workers(tmp_path)


def client(model: Path, idle_timeout_s: int = 600) -> SocketBackend:
    spec = WorkerSpec(model=str(model), shared=True, idle_timeout_s=idle_timeout_s)
    backend = SocketBackend(spec, Recorder())
    backend.recorder = backend.events  # type: ignore[attr-defined]
    return backend


@pytest.fixture
async def pair(runtime: Path, tiny_model: Path):
    """Two clients started at the same moment, with no worker running yet."""
    first, second = client(tiny_model), client(tiny_model)
    await asyncio.gather(first.start(), second.start())
    yield first, second
    await first.stop()
    await second.stop()


def long_fim(typed: str = "def ") -> m.Generate:
    request = fim(typed)
    request.max_tokens = 3000
    return request


async def test_racing_clients_end_with_one_worker_that_serves_both(pair, runtime: Path):
    first, second = pair
    assert first.pid == second.pid and shared_worker_pids(runtime) == [first.pid]
    assert {first.welcome.clients, second.welcome.clients} == {1, 2}
    paths = worker_paths(str(first.spec.model), runtime_dir())
    assert paths.socket.stat().st_mode & 0o777 == 0o600
    assert paths.socket.parent.stat().st_mode & 0o777 == 0o700
    answers = await asyncio.gather(first.request(fim("def a")), second.request(fim("def b")))
    assert all(a.finish_reason in ("stop", "length") and a.usage.prompt_tokens for a in answers)


async def test_a_cancel_stops_only_that_clients_request(pair):
    first, second = pair
    # Both clients number their requests from 1: the worker must not confuse them.
    mine = asyncio.ensure_future(first.request(long_fim()))
    theirs = asyncio.ensure_future(second.request(fim("x = ")))
    await asyncio.sleep(0.3)
    mine.cancel()
    done = await asyncio.wait_for(theirs, 60)
    assert done.finish_reason in ("stop", "length") and done.usage.generated_tokens > 0

    def firsts_cancelled() -> list[m.Done]:
        return [d for d in first.recorder.done if d.finish_reason == "cancelled"]  # type: ignore[attr-defined]

    for _ in range(200):  # the cancel's answer may come after the other client's
        if firsts_cancelled():
            break
        await asyncio.sleep(0.05)
    cancelled = firsts_cancelled()
    assert len(cancelled) == 1 and cancelled[0].usage.generated_tokens < 3000
    assert not [d for d in second.recorder.done if d.finish_reason == "cancelled"]  # type: ignore[attr-defined]


async def test_keystrokes_of_any_client_go_before_queued_long_jobs(pair):
    first, second = pair
    finished: list[str] = []

    async def track(name: str, request):
        await request
        finished.append(name)

    busy = asyncio.ensure_future(first.request(long_fim()))
    await asyncio.sleep(0.3)  # the worker is generating: what follows waits in its queue
    chat = m.Chat(id=0, messages=[{"role": "user", "content": "explain"}], max_tokens=16)
    jobs = [
        asyncio.ensure_future(track("chat", first.request(chat))),
        asyncio.ensure_future(track("keystroke", second.request(fim("y = ")))),
    ]
    await asyncio.sleep(0.3)
    busy.cancel()
    await asyncio.wait_for(asyncio.gather(*jobs), 60)
    assert finished == ["keystroke", "chat"]


async def test_a_client_that_disconnects_leaves_the_others_served(pair, runtime: Path):
    first, second = pair
    pid = first.pid
    abandoned = asyncio.ensure_future(first.request(long_fim()))
    await asyncio.sleep(0.3)
    assert first._writer is not None
    first._writer.transport.abort()  # as a crashed server's socket closes
    with pytest.raises(Exception, match="closed"):
        await asyncio.wait_for(abandoned, 10)
    started = time.monotonic()
    done = await asyncio.wait_for(second.request(fim("z = ")), 60)
    assert done.finish_reason in ("stop", "length")
    assert time.monotonic() - started < 30  # the dropped client's 3000 tokens were not generated
    assert shared_worker_pids(runtime) == [pid] and second.state is BackendState.READY


async def test_another_model_or_protocol_is_refused_at_the_handshake(pair):
    first, _ = pair
    paths = worker_paths(first.spec.model, runtime_dir())
    for hello, reason in [
        (m.Hello(protocol=m.PROTOCOL_VERSION, model="other/model"), "serves model"),
        (m.Hello(protocol=m.PROTOCOL_VERSION + 1, model=first.spec.model), "speaks protocol"),
    ]:
        reader, writer = await asyncio.open_unix_connection(str(paths.socket))
        writer.write(m.encode(hello))
        header = await reader.readexactly(m.FRAME_HEADER.size)
        answer = m.decode_from_worker(await reader.readexactly(m.frame_length(header)))
        assert isinstance(answer, m.Refused) and reason in answer.reason
        assert await reader.read() == b""  # and it hung up
        writer.close()


async def test_worker_exits_after_the_idle_timeout(runtime: Path, tiny_model: Path):
    backend = client(tiny_model, idle_timeout_s=1)
    await backend.start()
    socket_path = worker_paths(backend.spec.model, runtime_dir()).socket
    assert shared_worker_pids(runtime) == [backend.pid]
    await backend.stop()
    deadline = time.monotonic() + 20
    while shared_worker_pids(runtime) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert shared_worker_pids(runtime) == [] and not socket_path.exists()


async def test_permissive_runtime_directory_is_refused(runtime: Path, tiny_model: Path):
    (runtime / "qwen-lsp").mkdir(mode=0o755)
    (runtime / "qwen-lsp").chmod(0o755)
    backend = client(tiny_model)
    with pytest.raises(ModelUnavailable, match="lets other users in"):
        await backend.start()
    assert backend.state is BackendState.FAILED and shared_worker_pids(runtime) == []


async def test_a_shared_worker_killed_while_loading_backs_off(runtime: Path, tiny_model: Path):
    backend = client(tiny_model)
    starting = asyncio.ensure_future(backend.start())
    deadline = time.monotonic() + 60
    while not (backend.state is BackendState.LOADING and backend.pid):
        assert time.monotonic() < deadline, "the shared worker was never seen loading"
        await asyncio.sleep(0.005)
    os.kill(backend.pid, signal.SIGKILL)
    with pytest.raises(ModelUnavailable, match="while loading"):
        await starting
    assert backend.state is BackendState.FAILED and backend.retry_at is not None
    asked = time.monotonic()
    with pytest.raises(ModelUnavailable):  # within the back-off: no reconnect, no new worker
        await backend.start()
    assert time.monotonic() - asked < 0.5 and backend.pid is None
    await asyncio.sleep(max(0.0, backend.retry_at - time.monotonic()))
    await asyncio.wait_for(backend.start(), 60)  # then a fresh shared worker loads
    assert backend.state is BackendState.READY and backend.load_crashes == 0
    await backend.stop()
