"""Where a user's shared model worker lives: a private directory and the paths inside it.

$XDG_RUNTIME_DIR/qwen-lsp when set, else qwen-lsp-<uid> in the system temp directory. The
directory must be ours and 0700, the socket ours and closed to others: anything else is refused
(another user could read the code we send, or answer with their own model). Stdlib only: both
the language server and the worker import it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import messages as m
from .errors import QwenError

# sockaddr_un.sun_path holds 104 bytes on macOS, 108 on Linux (both counting the final NUL).
MAX_SOCKET_PATH = 103


class UnsafeRuntimeDir(QwenError):
    """The runtime directory or socket is not private to this user."""


@dataclass(frozen=True)
class WorkerPaths:
    socket: Path
    lock: Path  # held by the live worker for its whole life: one worker per socket
    log: Path


def runtime_dir(env: Mapping[str, str] | None = None, uid: int | None = None) -> Path:
    env = os.environ if env is None else env
    uid = os.getuid() if uid is None else uid
    base = env.get("XDG_RUNTIME_DIR", "")
    if base:
        return Path(base) / "qwen-lsp"
    return Path(tempfile.gettempdir()) / f"qwen-lsp-{uid}"


def ensure_private_dir(path: Path, uid: int | None = None) -> Path:
    """Create `path` 0700 if missing; refuse it if it is not a directory that only `uid` uses."""
    uid = os.getuid() if uid is None else uid
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except FileNotFoundError as exc:
        raise UnsafeRuntimeDir(f"the runtime directory's parent does not exist: {exc}") from exc
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeDir(f"{path} is not a directory (a symlink or file); remove it")
    _check_private(path, info, uid, "runtime directory")
    return path


def check_socket(path: Path, uid: int | None = None) -> None:
    """Refuse a socket another user owns or whose mode lets others connect."""
    uid = os.getuid() if uid is None else uid
    info = path.lstat()
    if not stat.S_ISSOCK(info.st_mode):
        raise UnsafeRuntimeDir(f"{path} is not a socket; remove it")
    _check_private(path, info, uid, "worker socket")


def _check_private(path: Path, info: os.stat_result, uid: int, what: str) -> None:
    if info.st_uid != uid:
        raise UnsafeRuntimeDir(
            f"the {what} {path} belongs to user id {info.st_uid}, not to you ({uid}); "
            "refusing to use it"
        )
    if info.st_mode & 0o077:
        raise UnsafeRuntimeDir(
            f"the {what} {path} has mode {stat.S_IMODE(info.st_mode):04o}, which lets other "
            "users in; refusing to use it (it must be 0700 for a directory, 0600 for a socket)"
        )


def worker_paths(model: str, directory: Path) -> WorkerPaths:
    """One worker per user, protocol version and model (the model string names it)."""
    digest = hashlib.sha256(model.encode()).hexdigest()[:16]
    stem = directory / f"worker-v{m.PROTOCOL_VERSION}-{digest}"
    paths = WorkerPaths(*(stem.with_suffix(ext) for ext in (".sock", ".lock", ".log")))
    if len(os.fsencode(paths.socket)) > MAX_SOCKET_PATH:
        raise UnsafeRuntimeDir(
            f"the socket path {paths.socket} is longer than a unix socket allows; "
            "set XDG_RUNTIME_DIR to a shorter directory"
        )
    return paths
