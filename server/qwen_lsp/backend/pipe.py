"""A model worker child process reached over its stdin/stdout pipes.

The parent tracks the child's state explicitly: pending requests fail at once when it exits, and
the next request starts a fresh one (unless the model itself failed to load).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import messages as m
from ..errors import GenerationFailed, ModelUnavailable, WorkerCrashed
from .base import BackendEvents, BackendState

STOP_GRACE_S = 3.0


@dataclass(frozen=True)
class WorkerSpec:
    model: str
    cache_mb: int = 2048
    max_context_tokens: int = 32768
    speculation: bool = False
    draft_tokens: int = 8
    python: str = field(default_factory=lambda: sys.executable)

    def argv(self) -> list[str]:
        return [
            self.python,
            "-m",
            "qwen_lsp.worker",
            "--model",
            self.model,
            "--cache-mb",
            str(self.cache_mb),
            "--max-context-tokens",
            str(self.max_context_tokens),
            "--speculation",
            "on" if self.speculation else "off",
            "--draft-tokens",
            str(self.draft_tokens),
        ]


@dataclass
class _Pending:
    future: asyncio.Future[m.Done]
    on_chunk: Callable[[str], None] | None


class PipeBackend:
    def __init__(self, spec: WorkerSpec, events: BackendEvents) -> None:
        self.spec = spec
        self.events = events
        self.state = BackendState.STOPPED
        self.error = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._ready: asyncio.Future[m.Ready] | None = None
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._start_lock = asyncio.Lock()

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the worker if none is running and wait until its model is loaded."""
        async with self._start_lock:
            if self.state is BackendState.FAILED:
                raise ModelUnavailable(self.error)
            if self._proc is None:
                await self._spawn()
        assert self._ready is not None
        await asyncio.shield(self._ready)

    async def _spawn(self) -> None:
        self._set_state(BackendState.LOADING, f"loading {self.spec.model}")
        env = dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
        proc = await asyncio.create_subprocess_exec(
            *self.spec.argv(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        self._proc = proc
        self._ready = asyncio.get_running_loop().create_future()
        self._ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._spawn_task(self._read_frames(proc))
        self._spawn_task(self._read_log(proc))

    async def stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        with contextlib.suppress(Exception):
            await self._write(m.Shutdown())
            if proc.stdin:
                proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        self._on_exit(proc, proc.returncode)

    def reset(self, spec: WorkerSpec) -> None:
        """New settings: a failed model may load now; the next request spawns afresh."""
        self.spec = spec
        if self.state is BackendState.FAILED:
            self._set_state(BackendState.STOPPED, "settings changed")
            self.error = ""

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # --- requests -----------------------------------------------------------------------------

    async def request(
        self, message: m.Generate | m.Chat, on_chunk: Callable[[str], None] | None = None
    ) -> m.Done:
        await self.start()
        message.id = next(self._ids)
        future: asyncio.Future[m.Done] = asyncio.get_running_loop().create_future()
        self._pending[message.id] = _Pending(future, on_chunk)
        try:
            await self._write(message)
            return await future
        except asyncio.CancelledError:
            # The caller gave up: stop the generation, the worker answers Done(cancelled).
            with contextlib.suppress(Exception):
                await self._write(m.Cancel(id=message.id))
            raise
        finally:
            self._pending.pop(message.id, None)

    async def _write(self, message: m.ToWorker) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.returncode is not None:
            raise WorkerCrashed("the model worker is not running")
        try:
            proc.stdin.write(m.encode(message))
            await proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerCrashed("the model worker closed its input") from exc

    # --- the child's output -------------------------------------------------------------------

    async def _read_frames(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        try:
            while True:
                header = await proc.stdout.readexactly(m.FRAME_HEADER.size)
                body = await proc.stdout.readexactly(m.frame_length(header))
                self._dispatch(m.decode_from_worker(body))
        except asyncio.IncompleteReadError:
            pass
        except m.FrameError as exc:
            self.events.on_log(f"worker sent a bad frame: {exc}; restarting it")
            proc.kill()
        self._on_exit(proc, await proc.wait())

    async def _read_log(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            self.events.on_log(line.decode("utf-8", "replace").rstrip())

    def _dispatch(self, message: m.FromWorker) -> None:
        request_id = getattr(message, "id", None)
        pending = self._pending.get(request_id) if request_id is not None else None
        if isinstance(message, m.Progress):
            self.events.on_progress(message)
        elif isinstance(message, m.Ready):
            self._set_state(BackendState.READY, f"{message.model} loaded")
            _resolve(self._ready, result=message)
        elif isinstance(message, m.LoadFailed):
            self.error = f"could not load model '{message.model}': {message.error}"
            self._set_state(BackendState.FAILED, self.error)
            _resolve(self._ready, error=ModelUnavailable(self.error))
        elif isinstance(message, m.Chunk):
            if pending and pending.on_chunk:
                pending.on_chunk(message.text)
        elif isinstance(message, m.Done):
            self.events.on_done(message)
            if pending:
                _resolve(pending.future, result=message)
        elif isinstance(message, m.Failed) and pending:
            _resolve(pending.future, error=GenerationFailed(message.error))

    def _on_exit(self, proc: asyncio.subprocess.Process, code: int | None) -> None:
        if proc is not self._proc:
            return
        self._proc = None
        crash = WorkerCrashed(f"the model worker exited (code {code})")
        for pending in list(self._pending.values()):
            _resolve(pending.future, error=crash)
        _resolve(self._ready, error=ModelUnavailable(self.error) if self.error else crash)
        if self.state is not BackendState.FAILED:
            self._set_state(BackendState.STOPPED, str(crash))

    def _set_state(self, state: BackendState, detail: str) -> None:
        self.state = state
        self.events.on_state(state, detail)

    def _spawn_task(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _resolve(future: asyncio.Future | None, *, result=None, error: Exception | None = None):
    if future is None or future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
