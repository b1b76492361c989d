"""Backend events recorded by the worker tests."""

from __future__ import annotations

from qwen_lsp import messages as m
from qwen_lsp.backend import BackendState


class Recorder:
    def __init__(self) -> None:
        self.states: list[BackendState] = []
        self.progress: list[m.Progress] = []
        self.done: list[m.Done] = []

    def on_state(self, state: BackendState, detail: str) -> None:
        self.states.append(state)

    def on_progress(self, progress: m.Progress) -> None:
        self.progress.append(progress)

    def on_done(self, done: m.Done) -> None:
        self.done.append(done)

    def on_log(self, line: str) -> None:
        pass
