"""Find and stop the shared model workers a test started (by their socket's directory)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def shared_worker_pids(runtime: Path) -> list[int]:
    """Live worker processes serving a socket under `runtime` (zombies excluded)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state == "Z" or b"qwen_lsp.worker" not in argv or b"--socket" not in argv:
            continue
        if argv[argv.index(b"--socket") + 1].startswith(os.fsencode(runtime)):
            pids.append(int(proc.name))
    return pids


def stop_shared_workers(runtime: Path, timeout_s: float = 10) -> None:
    for pid in shared_worker_pids(runtime):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while shared_worker_pids(runtime) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in shared_worker_pids(runtime):
        os.kill(pid, signal.SIGKILL)
