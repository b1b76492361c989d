"""A model worker child process reached over its stdin/stdout pipes.

The parent tracks the child's state explicitly: pending requests fail at once when it exits. A
child that crashed (killed, or exited on its own) is replaced at once, or after the back-off when
it crashed while loading, so the model is loading again before the next keystroke asks for it; a
model that failed to load is not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time

from .. import messages as m
from .base import BackendEvents, BackendState
from .framed import FramedBackend, WorkerSpec

STOP_GRACE_S = 3.0
UNASKED_RESTART_EVERY_S = 60.0


class PipeBackend(FramedBackend):
    def __init__(self, spec: WorkerSpec, events: BackendEvents, *, configured: bool = True) -> None:
        super().__init__(spec, events, configured=configured)
        self._proc: asyncio.subprocess.Process | None = None
        self._restart: asyncio.Task | None = None
        self._restarted_unasked = -UNASKED_RESTART_EVERY_S

    async def connect(self) -> None:
        self.set_state(BackendState.LOADING, f"loading {self.spec.model}")
        env = dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
        proc = await asyncio.create_subprocess_exec(
            *self.spec.argv(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None and proc.stdin is not None
        self._proc = proc
        self.attach(proc.stdout, proc.stdin)
        self.spawn_task(self._read_log(proc))

    async def stop(self) -> None:
        if self._restart is not None:
            self._restart.cancel()
        proc = self._proc
        if proc is None or proc.stdin is None:
            return
        self._stopping = proc.stdin
        with contextlib.suppress(Exception):
            await self.write(m.Shutdown())
            proc.stdin.close()
        await self._reap(proc, STOP_GRACE_S)

    async def detach(self, writer: asyncio.StreamWriter, reason: str) -> None:
        """Its output ended: a worker that is still running is of no use (a bad frame)."""
        if self._proc is not None and writer is self._proc.stdin:
            await self._reap(self._proc, STOP_GRACE_S)

    async def _reap(self, proc: asyncio.subprocess.Process, grace_s: float) -> None:
        try:
            await asyncio.wait_for(proc.wait(), grace_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        if proc is self._proc and proc.stdin is not None:
            self._proc = None
            reason = f"the model worker exited ({_exit_reason(proc.returncode)})"
            crashed = proc.stdin is not self._stopping and self.state in _RUNNING
            if crashed and self.state is BackendState.READY:
                self.crash = reason  # read while it becomes STOPPED: the user is told once
            loading = self.state is BackendState.LOADING
            self.disconnected(proc.stdin, reason)
            self.crash = ""
            if crashed and (loading or self._may_restart_unasked()):
                self._restart = asyncio.ensure_future(self._restart_after_crash())

    def _may_restart_unasked(self) -> bool:
        """At most one unasked restart a minute after crashes of a loaded worker (a crashed
        load has its back-off): a worker that keeps dying is restarted by requests only."""
        now = time.monotonic()
        if now - self._restarted_unasked < UNASKED_RESTART_EVERY_S:
            return False
        self._restarted_unasked = now
        return True

    async def _restart_after_crash(self) -> None:
        """Load the model again now, or when the back-off of a crashed load ends."""
        if self.retry_at is not None:
            await asyncio.sleep(max(0.0, self.retry_at - time.monotonic()))
        try:
            await self.start()
        except Exception as exc:  # reported by the state it leaves; a request retries it
            self.events.on_log(f"restart after a crash: {exc}")

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    async def _read_log(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            self.events.on_log(line.decode("utf-8", "replace").rstrip())


_RUNNING = (BackendState.LOADING, BackendState.READY)


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        hint = ": out of memory?" if -code == signal.SIGKILL else ""
        return f"killed by {name}{hint}"
    return f"code {code}"
