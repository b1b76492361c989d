"""The model worker process: frames in on stdin, frames out on stdout (or, shared by several
language servers, on a unix socket: worker/socket_server.py).

A reader thread takes frames off stdin (so a Cancel arrives while a generation runs); the main
thread loads the model once and runs the generations, keystrokes before long jobs
(worker/scheduler.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import traceback
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from .. import messages as m
from .model_files import ModelLoadError
from .scheduler import Pending, Scheduler

SPECULATION = ["off", "actions", "all"]  # which requests speculate: settings.WorkerSettings

if TYPE_CHECKING:  # the module imports mlx: loaded in main(), after a shared worker's lock
    from .host import ModelHost


class Worker:
    def __init__(self, host: ModelHost, frames_in: IO[bytes], frames_out: IO[bytes]) -> None:
        self.host = host
        self.frames_in = frames_in
        self.frames_out = frames_out
        self.scheduler = Scheduler(host)
        self.write_lock = threading.Lock()

    def send(self, message: m.FromWorker) -> None:
        with self.write_lock:
            self.frames_out.write(m.encode(message))
            self.frames_out.flush()

    def read_loop(self) -> None:
        try:
            while (body := m.read_frame(self.frames_in)) is not None:
                message = m.decode_to_worker(body)
                if isinstance(message, m.Cancel):
                    self.scheduler.cancel(message.id)
                elif isinstance(message, m.Shutdown):
                    break
                elif isinstance(message, m.Generate | m.Chat):
                    self.scheduler.submit(Pending(message, self.send))
        except m.FrameError as exc:
            print(f"qwen-lsp worker: bad frame from the server: {exc}", file=sys.stderr)
        finally:
            self.scheduler.close()

    def run(self) -> int:
        threading.Thread(target=self.read_loop, name="frame-reader", daemon=True).start()
        loaded = load_model(self.host, self.send)
        self.send(loaded)
        if isinstance(loaded, m.LoadFailed):
            return 2
        while self.scheduler.serve_next():
            pass
        return 0


def load_model(host: ModelHost, send: Callable[[m.Progress], None]) -> m.Ready | m.LoadFailed:
    """Load once, reporting progress; the answer tells the servers whether the model is usable."""
    try:
        host.load(lambda text, pct: send(m.Progress(message=text, percent=pct)))
    except (ModelLoadError, OSError, ValueError) as exc:
        return m.LoadFailed(model=host.options.model, error=str(exc))
    except Exception as exc:  # any other crash while loading fails the load, told once
        traceback.print_exc(file=sys.stderr)
        return m.LoadFailed(model=host.options.model, error=f"{exc.__class__.__name__}: {exc}")
    return m.Ready(
        model=host.options.model,
        load_ms=0.0,
        context_length=host.context_length,
        has_tool_parser=host.has_tool_parser,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qwen-lsp worker", description=__doc__)
    parser.add_argument("--model", required=True, help="local MLX model dir or HF repo id")
    parser.add_argument("--cache-mb", type=int, default=2048, help="KV prompt cache limit")
    parser.add_argument("--max-context-tokens", type=int, default=32768)
    parser.add_argument("--socket", help="serve several servers on this unix socket (detached)")
    parser.add_argument("--idle-timeout-s", type=int, default=600, help="with --socket")
    parser.add_argument("--speculation", choices=SPECULATION, default="all")
    parser.add_argument("--draft-tokens", type=int, default=8)
    parser.add_argument("--preempt-chunk-ms", type=int, default=12, help="0: 64-token chunks")
    parser.add_argument("--cpu-attention", choices=["numpy", "mlx"], default="numpy")
    parser.add_argument("--allow-download", action="store_true", help="fetch a missing repo id")
    return parser.parse_args(argv)


def host_options(args: argparse.Namespace):
    from .host import HostOptions

    return HostOptions(
        model=args.model,
        cache_bytes=args.cache_mb << 20,
        max_context_tokens=args.max_context_tokens,
        speculation=args.speculation,
        draft_tokens=args.draft_tokens,
        preempt_chunk_ms=args.preempt_chunk_ms,
        allow_download=args.allow_download,
        cpu_attention=args.cpu_attention,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.socket:
        from .socket_server import serve

        return serve(args)
    from ..memory_trace import start_from_env
    from .host import ModelHost

    start_from_env("worker")  # diagnostics, off unless $QWEN_LSP_TRACEMALLOC
    # Frames own the real stdout; anything a library prints goes to stderr instead.
    frames_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    worker = Worker(ModelHost(host_options(args)), sys.stdin.buffer, frames_out)
    return worker.run()
