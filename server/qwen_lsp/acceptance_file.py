"""The acceptance figures' file in the user's state directory; it never leaves the machine.

Several servers (one per editor window) share it: each adds only what it has not saved yet,
under an exclusive lock, and takes the sum back.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from pathlib import Path

import msgspec

from .engine.acceptance import AcceptanceLog, Counts, SavedFigures, merged

log = logging.getLogger("qwen_lsp")
FILE_NAME = "acceptance.json"


def state_dir() -> Path:
    """$XDG_STATE_HOME/qwen-lsp, else ~/.local/state/qwen-lsp (the XDG default)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return Path(base) / "qwen-lsp"


def sync(figures: AcceptanceLog, path: Path | None = None) -> None:
    """Add the unsaved counts to the file and adopt its totals; errors are logged, not raised."""
    path = path or state_dir() / FILE_NAME
    unsaved = figures.take_unsaved()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            saved = merged(_read(path), unsaved)
            if unsaved:
                _write(path, saved)
    except OSError as exc:
        log.warning("acceptance figures not saved to %s: %s", path, exc)
        figures.unsaved = merged(unsaved, figures.unsaved)  # kept for the next try
        return
    figures.adopt(saved)


def _read(path: Path) -> dict[str, Counts]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        return msgspec.json.decode(data, type=SavedFigures).buckets
    except msgspec.DecodeError as exc:
        aside = path.with_suffix(".bad")
        log.warning("unreadable %s (%s): moved to %s, counting from zero", path, exc, aside)
        with contextlib.suppress(OSError):
            os.replace(path, aside)
        return {}


def _write(path: Path, buckets: dict[str, Counts]) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(msgspec.json.format(msgspec.json.encode(SavedFigures(buckets=buckets))))
    os.replace(temporary, path)
