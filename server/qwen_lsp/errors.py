"""One error hierarchy, mapped to LSP responses and messages once, at the protocol boundary."""

from __future__ import annotations


class QwenError(Exception):
    """Base of every error qwen-lsp raises on purpose."""


class ModelUnavailable(QwenError):
    """The model could not be loaded (missing path, bad files, no network for a repo id)."""


class WorkerCrashed(QwenError):
    """The worker process exited while requests were pending; the next request restarts it."""

    def __init__(self, message: str, told: bool = False) -> None:
        super().__init__(message)
        self.told = told  # the user has been shown this crash already


class RequestCancelled(QwenError):
    """The request was cancelled by the client or superseded by a newer one."""


class GenerationFailed(QwenError):
    """The worker reported an error for one request."""
