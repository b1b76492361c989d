"""One model worker shared by every language server of a user, over a private unix socket.

The live worker holds an exclusive lock on its lock file: a second worker started at the same
moment finds it taken and exits, so racing servers end up with one. Each connection starts with
Hello → Welcome (protocol version and model checked). Request ids belong to their connection and
are mapped to worker ids, so a client's Cancel reaches only its own requests; requests of every
client are served by priority (worker/scheduler.py); a client that disconnects has its requests
dropped. The worker exits once no client has been connected for the idle timeout.
"""

from __future__ import annotations

import argparse
import fcntl
import itertools
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import messages as m
from ..runtime_dir import UnsafeRuntimeDir, check_socket, ensure_private_dir
from .main import host_options, load_model
from .scheduler import Pending, Scheduler

IDLE_POLL_S = 1.0


@dataclass(eq=False)
class Client:
    conn: socket.socket
    # This client's request ids → the worker's own ids, for its requests not yet answered.
    ids: dict[int, int] = field(default_factory=dict)
    alive: bool = True
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: m.FromWorker) -> None:
        try:
            with self.write_lock:
                self.conn.sendall(m.encode(message))
        except OSError:
            self.alive = False  # gone: its generation stops at the next token


class SharedWorker:
    def __init__(self, host, listener: socket.socket, idle_timeout_s: float) -> None:
        self.host = host
        self.model = host.options.model
        self.listener = listener
        self.idle_timeout_s = idle_timeout_s
        self.scheduler = Scheduler(host)
        self.worker_ids = itertools.count(1)
        self.clients: set[Client] = set()
        self.lock = threading.Lock()  # clients, loaded, last_seen; held while greeting/broadcasting
        self.loaded: m.Ready | m.LoadFailed | None = None
        self.last_seen = time.monotonic()

    # --- connections (one thread each) --------------------------------------------------------

    def accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed: the worker is exiting
            threading.Thread(target=self.client_loop, args=(conn,), daemon=True).start()

    def client_loop(self, conn: socket.socket) -> None:
        client = Client(conn)
        frames = conn.makefile("rb")
        try:
            if self.greet(client, frames):
                while (body := m.read_frame(frames)) is not None:
                    if not self.receive(client, m.decode_to_worker(body)):
                        break
        except (m.FrameError, OSError) as exc:
            print(f"qwen-lsp worker: dropping a client: {exc}", file=sys.stderr)
        finally:
            self.drop(client)
            frames.close()
            conn.close()

    def greet(self, client: Client, frames) -> bool:
        body = m.read_frame(frames)
        hello = m.decode_to_worker(body) if body is not None else None
        refusal = self._refusal(hello)
        if refusal:
            client.send(m.Refused(reason=refusal))
            return False
        with self.lock:
            self.clients.add(client)
            count = len(self.clients)
            client.send(m.Welcome(m.PROTOCOL_VERSION, self.model, os.getpid(), count))
            if self.loaded is not None:
                client.send(self.loaded)
        return True

    def _refusal(self, hello: m.ToWorker | None) -> str:
        if not isinstance(hello, m.Hello):
            return "the first message on a shared worker's socket must be hello"
        if hello.protocol != m.PROTOCOL_VERSION:
            return (
                f"this worker speaks protocol {m.PROTOCOL_VERSION}, the server {hello.protocol}: "
                "restart the editors after an upgrade"
            )
        if hello.model != self.model:
            return f"this worker serves model {self.model!r}, not {hello.model!r}"
        return ""

    def receive(self, client: Client, message: m.ToWorker) -> bool:
        """Queue or cancel one of `client`'s requests; False when the client says goodbye."""
        if isinstance(message, m.Generate | m.Chat):
            with self.lock:
                worker_id = next(self.worker_ids)
                client.ids[message.id] = worker_id
            reply = self._replier(client, message.id)
            message.id = worker_id
            gone = lambda: not client.alive  # noqa: E731
            self.scheduler.submit(Pending(message, reply, owner=client, gone=gone))
        elif isinstance(message, m.Cancel):
            with self.lock:
                target = client.ids.get(message.id)
            if target is not None:
                self.scheduler.cancel(target)
        return not isinstance(message, m.Shutdown)  # a client's shutdown ends only its session

    def _replier(self, client: Client, client_id: int):
        """Sends a request's answers to its client under the client's own id."""

        def reply(message: m.FromWorker) -> None:
            message.id = client_id  # type: ignore[union-attr]  # Chunk, EarlyAnswer, Done, Failed
            if isinstance(message, m.Done | m.Failed):
                with self.lock:
                    client.ids.pop(client_id, None)
            client.send(message)

        return reply

    def drop(self, client: Client) -> None:
        with self.lock:
            client.alive = False  # its requests stop at their next step
            self.clients.discard(client)
            self.last_seen = time.monotonic()

    def broadcast(self, message: m.FromWorker) -> None:
        with self.lock:
            if isinstance(message, m.Ready | m.LoadFailed):
                self.loaded = message
            for client in list(self.clients):
                client.send(message)

    # --- the generation thread (the main thread) ----------------------------------------------

    def run(self) -> int:
        threading.Thread(target=self.accept_loop, name="accept", daemon=True).start()
        loaded = load_model(self.host, self.broadcast)
        self.broadcast(loaded)
        if isinstance(loaded, m.LoadFailed):
            return 2
        while not self._idle_expired():
            self.scheduler.serve_next(timeout=IDLE_POLL_S)
        return 0

    def _idle_expired(self) -> bool:
        with self.lock:
            idle = not self.clients and self.scheduler.idle()
            return idle and time.monotonic() - self.last_seen > self.idle_timeout_s


def bind_private(path: Path) -> socket.socket:
    """Listen on `path`, created 0600 (the umask applies at bind: no window where it is open)."""
    if path.exists() or path.is_symlink():
        check_socket(path)  # ours, left by a worker that died: we hold the lock, replace it
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(previous)
    listener.listen(64)
    return listener


def serve(args: argparse.Namespace) -> int:
    """Entry point of `python -m qwen_lsp.worker --socket PATH`; 0 also when another serves."""
    path = Path(args.socket)
    try:
        ensure_private_dir(path.parent)
    except UnsafeRuntimeDir as exc:
        print(f"qwen-lsp worker: {exc}", file=sys.stderr)
        return 3
    lock_fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("qwen-lsp worker: another worker already serves this socket", file=sys.stderr)
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = bind_private(path)
    from .host import ModelHost  # mlx: imported once this process is the one worker

    try:
        return SharedWorker(ModelHost(host_options(args)), listener, args.idle_timeout_s).run()
    finally:
        path.unlink(missing_ok=True)  # before the lock goes with the process
        listener.close()
