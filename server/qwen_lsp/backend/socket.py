"""The user's shared model worker, reached over a private unix socket (worker/socket_server.py).

The first server that needs it starts it detached (it outlives that server); the others connect.
Racing starts are settled by the worker's lock: the loser exits and everyone connects to the
winner. Stopping this backend only closes this server's connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time

from .. import messages as m
from ..errors import ModelUnavailable, WorkerCrashed
from ..runtime_dir import (
    UnsafeRuntimeDir,
    WorkerPaths,
    check_socket,
    ensure_private_dir,
    runtime_dir,
    worker_paths,
)
from .base import BackendEvents, BackendState
from .framed import FramedBackend, WorkerSpec

START_TIMEOUT_S = 60.0  # python + mlx imports before the new worker listens
POLL_S = 0.05


class SocketBackend(FramedBackend):
    def __init__(self, spec: WorkerSpec, events: BackendEvents, *, configured: bool = True) -> None:
        super().__init__(spec, events, configured=configured)
        self.welcome: m.Welcome | None = None

    async def connect(self) -> None:
        self.set_state(
            BackendState.LOADING, f"connecting to the shared worker of {self.spec.model}"
        )
        try:
            paths = worker_paths(self.spec.model, ensure_private_dir(runtime_dir()))
            reader, writer = await self._open(paths)
            self.welcome = await self._handshake(reader, writer)
        except (UnsafeRuntimeDir, ModelUnavailable) as exc:
            self.error = str(exc)
            self.set_state(BackendState.FAILED, self.error)
            raise ModelUnavailable(self.error) from exc
        except WorkerCrashed as exc:
            self.set_state(BackendState.STOPPED, str(exc))
            raise
        self.events.on_log(
            f"shared worker pid {self.welcome.pid} at {paths.socket} "
            f"({self.welcome.clients} servers connected)"
        )
        self.attach(reader, writer)

    async def _open(self, paths: WorkerPaths):
        """Connect, starting the worker first when none listens."""
        with contextlib.suppress(FileNotFoundError, ConnectionRefusedError):
            return await self._connect(paths)
        child = self._spawn(paths)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            with contextlib.suppress(FileNotFoundError, ConnectionRefusedError):
                return await self._connect(paths)
            if child.returncode not in (None, 0):  # 0: it lost the race to another worker
                raise WorkerCrashed(
                    f"the shared worker exited with code {child.returncode}; see {paths.log}"
                )
            if time.monotonic() > deadline:
                raise WorkerCrashed(f"the shared worker did not listen in time; see {paths.log}")
            await asyncio.sleep(POLL_S)

    @staticmethod
    async def _connect(paths: WorkerPaths):
        check_socket(paths.socket)  # FileNotFoundError when absent
        return await asyncio.open_unix_connection(str(paths.socket), limit=m.MAX_FRAME_BYTES)

    def _spawn(self, paths: WorkerPaths) -> subprocess.Popen:
        argv = [*self.spec.argv(), "--socket", str(paths.socket)]
        argv += ["--idle-timeout-s", str(self.spec.idle_timeout_s)]
        env = dict(os.environ, PYTHONUNBUFFERED="1", TOKENIZERS_PARALLELISM="false")
        with open(os.open(paths.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
            child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
                start_new_session=True,  # detached: outlives this server, no terminal signals
            )
        # Not tied to this event loop; reaped by this thread while the server lives, init after.
        threading.Thread(target=child.wait, name="reap-worker", daemon=True).start()
        return child

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        writer.write(m.encode(m.Hello(protocol=m.PROTOCOL_VERSION, model=self.spec.model)))
        await writer.drain()
        try:
            header = await reader.readexactly(m.FRAME_HEADER.size)
            answer = m.decode_from_worker(await reader.readexactly(m.frame_length(header)))
        except (asyncio.IncompleteReadError, ConnectionResetError, m.FrameError) as exc:
            writer.close()
            raise WorkerCrashed(f"the shared worker closed the connection: {exc}") from exc
        if isinstance(answer, m.Welcome):
            return answer
        writer.close()
        reason = answer.reason if isinstance(answer, m.Refused) else f"unexpected {answer!r}"
        raise ModelUnavailable(f"the shared worker refused this server: {reason}")

    async def stop(self) -> None:
        """Leave the shared worker (it serves the others, and exits when idle)."""
        writer = self._writer
        if writer is None:
            return
        self._stopping = writer
        with contextlib.suppress(Exception):
            await self.write(m.Shutdown())
        self.disconnected(writer, "disconnected from the shared worker")

    @property
    def pid(self) -> int | None:
        return self.welcome.pid if self.welcome and self._writer else None
