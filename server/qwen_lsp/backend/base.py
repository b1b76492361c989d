"""The interface the language server uses to reach a model, whatever transport carries it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

from .. import messages as m


class BackendState(enum.Enum):
    STOPPED = "stopped"
    LOADING = "loading"
    READY = "ready"
    FAILED = "failed"  # the model could not be loaded; needs a settings change


class BackendEvents(Protocol):
    def on_state(self, state: BackendState, detail: str) -> None: ...

    def on_progress(self, progress: m.Progress) -> None: ...

    def on_done(self, done: m.Done) -> None: ...

    def on_log(self, line: str) -> None: ...


class ModelBackend(Protocol):
    state: BackendState
    configured: bool  # False until the editor's settings are final: nothing starts before

    async def request(
        self,
        message: m.Generate | m.Chat,
        on_chunk: Callable[[str], None] | None = None,
        on_early: Callable[[m.EarlyAnswer], None] | None = None,
    ) -> m.Done:
        """Send one request (its id is assigned here) and await its answer.

        Cancelling the awaiting task cancels the generation in the model process. A Generate
        with `answer_within_ms` calls `on_early` once with the text so far, then goes on.
        """
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
