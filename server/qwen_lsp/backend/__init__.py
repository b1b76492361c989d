"""Where the model runs, behind one small interface (a pipe today; a socket or remote later)."""

from .base import BackendEvents, BackendState, ModelBackend
from .pipe import PipeBackend, WorkerSpec

__all__ = ["BackendEvents", "BackendState", "ModelBackend", "PipeBackend", "WorkerSpec"]
