"""A model worker child process reached over its stdin/stdout pipes.

The parent tracks the child's state explicitly: pending requests fail at once when it exits, and
the next request starts a fresh one (unless the model itself failed to load).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import messages as m
from ..errors import GenerationFailed, ModelUnavailable, WorkerCrashed
from .base import BackendEvents, BackendState

STOP_GRACE_S = 3.0
SETTINGS_WAIT_S = 10.0  # requests before `initialized` + the configuration pull wait this long
LOAD_RETRY_S = (1.0, 4.0, 16.0, 60.0, 300.0)  # back-off after the worker dies while loading


@dataclass(frozen=True)
class WorkerSpec:
    model: str
    cache_mb: int = 2048
    max_context_tokens: int = 32768
    allow_download: bool = False
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
            *(["--allow-download"] if self.allow_download else []),
        ]


@dataclass
class _Pending:
    future: asyncio.Future[m.Done]
    on_chunk: Callable[[str], None] | None


class PipeBackend:
    def __init__(self, spec: WorkerSpec, events: BackendEvents, *, configured: bool = True) -> None:
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
        # Nothing starts before the settings are final (reset() is called with them).
        self._configured = asyncio.Event()
        if configured:
            self._configured.set()
        self.load_crashes = 0
        self.retry_at: float | None = None  # monotonic time a crashed load may be retried
        self._stopping: asyncio.subprocess.Process | None = None  # exits on purpose

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return self._configured.is_set()

    async def start(self) -> None:
        """Start the worker if none is running and wait until its model is loaded."""
        await self._wait_for_settings()
        async with self._start_lock:
            if self.state is BackendState.FAILED and not self._may_retry():
                raise ModelUnavailable(self.error)
            if self._proc is None:
                await self._spawn()
        assert self._ready is not None
        await asyncio.shield(self._ready)

    def _may_retry(self) -> bool:
        """A load that crashed (not one that failed) is tried again after its back-off."""
        return self.retry_at is not None and time.monotonic() >= self.retry_at

    async def _wait_for_settings(self) -> None:
        if self._configured.is_set():
            return
        try:
            await asyncio.wait_for(self._configured.wait(), SETTINGS_WAIT_S)
        except TimeoutError:
            raise ModelUnavailable("the editor's settings have not arrived yet") from None

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
        self._stopping = proc
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
        """Final or new settings: a failed model may load now; the next request spawns afresh."""
        self.spec = spec
        self._configured.set()
        self.load_crashes, self.retry_at = 0, None
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
            self.load_crashes, self.retry_at, self.error = 0, None, ""
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
        crash = WorkerCrashed(f"the model worker exited ({_exit_reason(code)})")
        for pending in list(self._pending.values()):
            _resolve(pending.future, error=crash)
        if self.state is BackendState.LOADING and proc is not self._stopping:
            self._load_crashed(code)  # respawning at once would reload the model in a loop
        _resolve(self._ready, error=ModelUnavailable(self.error) if self.error else crash)
        if self.state is not BackendState.FAILED:
            self._set_state(BackendState.STOPPED, str(crash))

    def _load_crashed(self, code: int | None) -> None:
        delay = LOAD_RETRY_S[min(self.load_crashes, len(LOAD_RETRY_S) - 1)]
        self.load_crashes += 1
        self.retry_at = time.monotonic() + delay
        self.error = (
            f"the model worker exited while loading '{self.spec.model}' ({_exit_reason(code)}); "
            f"retrying in {delay:g} s"
        )
        self._set_state(BackendState.FAILED, self.error)

    def _set_state(self, state: BackendState, detail: str) -> None:
        self.state = state
        self.events.on_state(state, detail)

    def _spawn_task(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = ": out of memory?" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"code {code}"


def _resolve(future: asyncio.Future | None, *, result=None, error: Exception | None = None):
    if future is None or future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
