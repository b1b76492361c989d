"""Nothing starts before the editor's settings are final, whichever backend serves the model.

Every backend waits on the one `SettingsGate`: a request that comes before the settings waits
for them (bounded), then starts what they name, not what the defaults name.
"""

from __future__ import annotations

import asyncio

import pytest

from qwen_lsp.backend import settings_gate
from qwen_lsp.backend.factory import BackendSpec, make_backend
from qwen_lsp.backend.http import HttpBackend, RemoteSpec
from qwen_lsp.backend.pipe import WorkerSpec
from qwen_lsp.errors import ModelUnavailable

pytestmark = pytest.mark.unit

SPECS: dict[str, BackendSpec] = {
    "pipe": WorkerSpec(model="default-model"),
    "shared-socket": WorkerSpec(model="default-model", shared=True),
    "openai": RemoteSpec(kind="openai", url="http://127.0.0.1:1/v1"),
    "llamacpp": RemoteSpec(kind="llamacpp", url="http://127.0.0.1:1"),
}


class Events:
    def on_state(self, state, detail) -> None: ...
    def on_progress(self, progress) -> None: ...
    def on_done(self, done) -> None: ...
    def on_log(self, line) -> None: ...


async def test_the_gate_lets_a_waiting_request_go_once_the_settings_are_final() -> None:
    gate = settings_gate.SettingsGate(configured=False)
    waiting = asyncio.create_task(gate.wait())
    await asyncio.sleep(0.05)
    assert not waiting.done() and not gate.configured
    gate.open()
    await asyncio.wait_for(waiting, 1)
    assert gate.configured


@pytest.mark.parametrize("kind", SPECS)
async def test_every_backend_waits_for_the_settings_bounded(kind: str, monkeypatch) -> None:
    monkeypatch.setattr(settings_gate, "SETTINGS_WAIT_S", 0.05)
    backend = make_backend(SPECS[kind], Events(), configured=False)
    assert not backend.configured
    with pytest.raises(ModelUnavailable, match="settings have not arrived"):
        await backend.start()  # nothing was started: no process, no connection
    assert backend.state.value == "stopped"


async def test_a_remote_request_before_the_settings_reaches_the_server_they_name(
    monkeypatch,
) -> None:
    probed: list[str] = []

    async def probe(self: HttpBackend) -> None:
        probed.append(self.spec.url)

    monkeypatch.setattr(HttpBackend, "_probe", probe)
    backend = make_backend(SPECS["openai"], Events(), configured=False)
    assert isinstance(backend, HttpBackend)
    early = asyncio.create_task(backend.start())
    await asyncio.sleep(0.05)
    assert not early.done() and probed == []
    backend.reset(RemoteSpec(kind="openai", url="http://127.0.0.1:2/v1"))
    await asyncio.wait_for(early, 1)
    assert probed == ["http://127.0.0.1:2/v1"] and backend.state.value == "ready"
