"""Just enough JSON-RPC over stdio to send what a typed client refuses to build.

A reader thread collects every message, answers the server's own requests (workspace/applyEdit
is declined), and lets many requests be in flight at once. Shared by the malformed-input and
fuzz tests and scripts/fuzz_lsp.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

SERVER_ARGV = [sys.executable, "-m", "qwen_lsp"]


class RawClient:
    def __init__(self, options: dict, capabilities: dict | None = None) -> None:
        self.proc = subprocess.Popen(
            SERVER_ARGV, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.next_id = 0
        self.answers: dict[int | str, dict] = {}
        self.notifications: list[dict] = []
        self.changed = threading.Condition()
        self.write_lock = threading.Lock()
        threading.Thread(target=self._read_loop, daemon=True).start()
        self.request(
            "initialize", {"capabilities": capabilities or {}, "initializationOptions": options}
        )
        self.notify("initialized", {})

    # --- sending ------------------------------------------------------------------------------

    def send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        with self.write_lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def notify(self, method: str, params: object) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def start(self, method: str, params: object) -> int:
        """Send a request without waiting; returns its id."""
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.next_id

    def request(self, method: str, params: object, timeout: float = 60) -> dict:
        return self.wait([self.start(method, params)], timeout)[0]

    def wait(self, ids: list[int], timeout: float = 60) -> list[dict]:
        """The answers to `ids`, in order; AssertionError naming the unanswered ones on timeout."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while missing := [i for i in ids if i not in self.answers]:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError(
                        f"unanswered requests {missing[:5]} (server exit code {self.proc.poll()})"
                    )
                self.changed.wait(min(left, 0.5))
            return [self.answers.pop(i) for i in ids]

    # --- receiving ----------------------------------------------------------------------------

    def _read_loop(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            length = 0
            while (line := stdout.readline()) not in (b"", b"\r\n", b"\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                with self.changed:
                    self.changed.notify_all()
                return
            self._received(json.loads(stdout.read(length)))

    def _received(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # the server asks the client something
            result: object = (
                {"applied": False} if message["method"] == "workspace/applyEdit" else None
            )
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})
            return
        with self.changed:
            if "method" in message:
                self.notifications.append(message)
                del self.notifications[:-200]  # keep the recent ones
            else:
                self.answers[message["id"]] = message
            self.changed.notify_all()

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=20)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
