"""The model worker process: frames in on stdin, frames out on stdout.

A reader thread takes frames off stdin (so a Cancel arrives while a generation runs); the main
thread loads the model once and runs every generation, one at a time, from a queue.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import traceback
from typing import IO

from .. import messages as m
from .host import HostOptions, ModelHost, ModelLoadError


class Worker:
    def __init__(self, host: ModelHost, frames_in: IO[bytes], frames_out: IO[bytes]) -> None:
        self.host = host
        self.frames_in = frames_in
        self.frames_out = frames_out
        self.requests: queue.Queue[m.Generate | m.Chat | None] = queue.Queue()
        self.cancelled: set[int] = set()
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
                    self.cancelled.add(message.id)
                elif isinstance(message, m.Shutdown):
                    break
                else:
                    self.requests.put(message)
        except m.FrameError as exc:
            print(f"qwen-lsp worker: bad frame from the server: {exc}", file=sys.stderr)
        finally:
            self.requests.put(None)

    def run(self) -> int:
        threading.Thread(target=self.read_loop, name="frame-reader", daemon=True).start()
        try:
            self.host.load(lambda text, pct: self.send(m.Progress(message=text, percent=pct)))
        except (ModelLoadError, OSError, ValueError) as exc:
            self.send(m.LoadFailed(model=self.host.options.model, error=str(exc)))
            return 2
        except Exception as exc:  # any other crash while loading fails the load, told once
            traceback.print_exc(file=sys.stderr)
            error = f"{exc.__class__.__name__}: {exc}"
            self.send(m.LoadFailed(model=self.host.options.model, error=error))
            return 2
        self.send(
            m.Ready(
                model=self.host.options.model,
                load_ms=0.0,
                context_length=self.host.context_length,
                has_tool_parser=self.host.has_tool_parser,
            )
        )
        while (request := self.requests.get()) is not None:
            self.serve(request)
        return 0

    def serve(self, request: m.Generate | m.Chat) -> None:
        if request.id in self.cancelled or self._superseded(request):
            self.cancelled.discard(request.id)
            self.send(m.Done(id=request.id, text="", finish_reason="cancelled"))
            return
        on_text = (lambda t: self.send(m.Chunk(id=request.id, text=t))) if request.stream else None
        try:
            done = self.host.generate(request, lambda: request.id in self.cancelled, on_text)
            self.send(done)
        except Exception as exc:  # carried back to the caller, the worker lives on
            traceback.print_exc(file=sys.stderr)
            self.send(m.Failed(id=request.id, error=f"{exc.__class__.__name__}: {exc}"))
        finally:
            self.cancelled.discard(request.id)

    def _superseded(self, request: m.Generate | m.Chat) -> bool:
        """A newer queued request for the same job makes this one pointless (a KV cache key is
        shared by different jobs: a code action and docs on save of one file)."""
        if not request.job:
            return False
        with self.requests.mutex:
            return any(
                later is not None and later.job == request.job for later in self.requests.queue
            )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qwen-lsp worker", description=__doc__)
    parser.add_argument("--model", required=True, help="local MLX model dir or HF repo id")
    parser.add_argument("--cache-mb", type=int, default=2048, help="KV prompt cache limit")
    parser.add_argument("--max-context-tokens", type=int, default=32768)
    parser.add_argument("--allow-download", action="store_true", help="fetch a missing repo id")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Frames own the real stdout; anything a library prints goes to stderr instead.
    frames_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    options = HostOptions(
        model=args.model,
        cache_bytes=args.cache_mb << 20,
        max_context_tokens=args.max_context_tokens,
        allow_download=args.allow_download,
    )
    worker = Worker(ModelHost(options), sys.stdin.buffer, frames_out)
    return worker.run()
