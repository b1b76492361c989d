"""Where the model runs, behind one small interface (a pipe today; a socket or remote later)."""

from .base import BackendEvents, BackendState, ModelBackend
from .pipe import PipeBackend, WorkerSpec
from .socket import SocketBackend

__all__ = [
    "BackendEvents",
    "BackendState",
    "ModelBackend",
    "PipeBackend",
    "SocketBackend",
    "WorkerSpec",
]
