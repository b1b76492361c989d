"""What every worker transport shares: ids, pending requests, and the frames the worker sends.

A subclass connects (a child's pipes, a unix socket) and hands the reader/writer to `attach`;
pending requests fail at once when the connection ends, and the next request connects afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from .. import messages as m
from ..errors import GenerationFailed, ModelUnavailable, WorkerCrashed
from .base import BackendEvents, BackendState
from .settings_gate import SettingsGate

LOAD_RETRY_S = (1.0, 4.0, 16.0, 60.0, 300.0)  # back-off after the worker dies while loading


@dataclass(frozen=True)
class WorkerSpec:
    model: str
    cache_mb: int = 2048
    max_context_tokens: int = 32768
    allow_download: bool = False
    python: str = field(default_factory=lambda: sys.executable)
    shared: bool = False  # one worker for every server of this user: backend/socket.py
    idle_timeout_s: int = 600
    speculation: str = "all"  # off, actions or all: settings.WorkerSettings
    draft_tokens: int = 8
    preempt_chunk_ms: int = 12
    cpu_attention: str = "numpy"  # numpy or mlx: settings.WorkerSettings

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
            self.speculation,
            "--draft-tokens",
            str(self.draft_tokens),
            "--preempt-chunk-ms",
            str(self.preempt_chunk_ms),
            "--cpu-attention",
            self.cpu_attention,
            *(["--allow-download"] if self.allow_download else []),
        ]


@dataclass
class _Pending:
    future: asyncio.Future[m.Done]
    on_chunk: Callable[[str], None] | None
    on_early: Callable[[m.EarlyAnswer], None] | None = None


class FramedBackend:
    def __init__(self, spec: WorkerSpec, events: BackendEvents, *, configured: bool = True) -> None:
        self.spec = spec
        self.events = events
        self.state = BackendState.STOPPED
        self.error = ""
        self.crash = ""  # set while a worker that had loaded the model dies unasked
        self._writer: asyncio.StreamWriter | None = None
        self._ready: asyncio.Future[m.Ready] | None = None
        self._pending: dict[int, _Pending] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._start_lock = asyncio.Lock()
        self._settings = SettingsGate(configured)  # reset() opens it with the final settings
        self.load_crashes = 0
        self.retry_at: float | None = None  # monotonic time a crashed load may be retried
        self._stopping: asyncio.StreamWriter | None = None  # a connection closed on purpose

    @property
    def configured(self) -> bool:
        return self._settings.configured

    async def connect(self) -> None:
        """Open the transport and call `attach` (the subclass's part)."""
        raise NotImplementedError

    async def start(self) -> None:
        """Connect if not connected and wait until the model is loaded."""
        await self._settings.wait()
        async with self._start_lock:
            if self.state is BackendState.FAILED and not self._may_retry():
                raise ModelUnavailable(self.error)
            if self._writer is None:
                await self.connect()
        assert self._ready is not None
        await asyncio.shield(self._ready)

    def _may_retry(self) -> bool:
        """A load that crashed (not one that failed) is tried again after its back-off."""
        return self.retry_at is not None and time.monotonic() >= self.retry_at

    def reset(self, spec: WorkerSpec) -> None:
        """Final or new settings: a failed model may load now; the next request connects afresh."""
        self.spec = spec
        self._settings.open()
        self.load_crashes, self.retry_at = 0, None
        if self.state is BackendState.FAILED:
            self.set_state(BackendState.STOPPED, "settings changed")
            self.error = ""

    def attach(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._ready = asyncio.get_running_loop().create_future()
        self._ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self.spawn_task(self._read_frames(reader, writer))

    # --- requests -----------------------------------------------------------------------------

    async def request(
        self,
        message: m.Generate | m.Chat,
        on_chunk: Callable[[str], None] | None = None,
        on_early: Callable[[m.EarlyAnswer], None] | None = None,
    ) -> m.Done:
        await self.start()
        message.id = next(self._ids)
        future: asyncio.Future[m.Done] = asyncio.get_running_loop().create_future()
        self._pending[message.id] = _Pending(future, on_chunk, on_early)
        try:
            await self.write(message)
            return await future
        except asyncio.CancelledError:
            # The caller gave up: stop the generation, the worker answers Done(cancelled).
            with contextlib.suppress(Exception):
                await self.write(m.Cancel(id=message.id))
            raise
        finally:
            self._pending.pop(message.id, None)

    async def write(self, message: m.ToWorker) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            raise WorkerCrashed("the model worker is not running")
        try:
            writer.write(m.encode(message))
            await writer.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise WorkerCrashed("the model worker closed its input") from exc

    # --- the worker's frames ------------------------------------------------------------------

    async def _read_frames(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        reason = "the model worker closed the connection"
        try:
            while True:
                header = await reader.readexactly(m.FRAME_HEADER.size)
                body = await reader.readexactly(m.frame_length(header))
                self.dispatch(m.decode_from_worker(body))
        except (asyncio.IncompleteReadError, ConnectionResetError):
            pass
        except m.FrameError as exc:
            reason = f"the model worker sent a bad frame: {exc}"
            self.events.on_log(reason)
        await self.detach(writer, reason)

    async def detach(self, writer: asyncio.StreamWriter, reason: str) -> None:
        """The connection ended: fail what waits on it (the subclass may add its own cleanup)."""
        self.disconnected(writer, reason)

    def dispatch(self, message: m.FromWorker) -> None:
        request_id = getattr(message, "id", None)
        pending = self._pending.get(request_id) if request_id is not None else None
        if isinstance(message, m.Progress):
            self.events.on_progress(message)
        elif isinstance(message, m.Ready):
            self.load_crashes, self.retry_at, self.error = 0, None, ""
            self.set_state(BackendState.READY, f"{message.model} loaded")
            _resolve(self._ready, result=message)
        elif isinstance(message, m.LoadFailed):
            self.error = f"could not load model '{message.model}': {message.error}"
            self.set_state(BackendState.FAILED, self.error)
            _resolve(self._ready, error=ModelUnavailable(self.error))
        elif isinstance(message, m.Chunk):
            if pending and pending.on_chunk:
                pending.on_chunk(message.text)
        elif isinstance(message, m.EarlyAnswer):
            if pending and pending.on_early:
                pending.on_early(message)
        elif isinstance(message, m.Done):
            self.events.on_done(message)
            if pending:
                _resolve(pending.future, result=message)
        elif isinstance(message, m.Failed) and pending:
            _resolve(pending.future, error=GenerationFailed(message.error))

    def disconnected(self, writer: asyncio.StreamWriter, reason: str) -> None:
        if writer is not self._writer:
            return
        self._writer = None
        writer.close()
        crash = WorkerCrashed(reason, told=bool(self.crash))
        for pending in list(self._pending.values()):
            _resolve(pending.future, error=crash)
        if self.state is BackendState.LOADING and writer is not self._stopping:
            self._load_crashed(reason)  # reconnecting at once would reload the model in a loop
        _resolve(self._ready, error=ModelUnavailable(self.error) if self.error else crash)
        if self.state is not BackendState.FAILED:
            self.set_state(BackendState.STOPPED, reason)

    def _load_crashed(self, reason: str) -> None:
        delay = LOAD_RETRY_S[min(self.load_crashes, len(LOAD_RETRY_S) - 1)]
        self.load_crashes += 1
        self.retry_at = time.monotonic() + delay
        self.error = f"{reason} while loading '{self.spec.model}'; retrying in {delay:g} s"
        self.set_state(BackendState.FAILED, self.error)

    def set_state(self, state: BackendState, detail: str) -> None:
        self.state = state
        self.events.on_state(state, detail)

    def spawn_task(self, coro: Coroutine[Any, Any, Any]) -> None:
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
