"""A local worker that dies unasked is restarted unasked at most once a minute."""

from __future__ import annotations

import pytest

from qwen_lsp.backend import PipeBackend, WorkerSpec, pipe

pytestmark = pytest.mark.unit


class _Events:
    def on_state(self, state, detail) -> None: ...
    def on_progress(self, progress) -> None: ...
    def on_done(self, done) -> None: ...
    def on_log(self, line) -> None: ...


def test_a_worker_that_keeps_dying_is_restarted_unasked_once_a_minute(monkeypatch):
    backend = PipeBackend(WorkerSpec(model="m"), _Events())
    now = [1000.0]
    monkeypatch.setattr(pipe.time, "monotonic", lambda: now[0])
    assert backend._may_restart_unasked()  # the first crash: at once
    now[0] += 59
    assert not backend._may_restart_unasked()  # again within the minute: by requests only
    now[0] += 2
    assert backend._may_restart_unasked()
