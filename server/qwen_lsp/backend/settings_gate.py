"""Nothing starts before the editor's settings are final: every backend waits on this gate.

The server makes its backend before `initialized` and the `workspace/configuration` pull; a
request that comes earlier waits for the settings (bounded), then starts the right model.
"""

from __future__ import annotations

import asyncio

from ..errors import ModelUnavailable

SETTINGS_WAIT_S = 10.0  # requests before `initialized` + the configuration pull wait this long


class SettingsGate:
    def __init__(self, configured: bool) -> None:
        self._open = asyncio.Event()
        if configured:
            self._open.set()

    @property
    def configured(self) -> bool:
        return self._open.is_set()

    def open(self) -> None:
        """The settings are final: what waits goes on, and nothing waits from now on."""
        self._open.set()

    async def wait(self) -> None:
        """Return once the settings are final; ModelUnavailable after SETTINGS_WAIT_S."""
        if self._open.is_set():
            return
        try:
            await asyncio.wait_for(self._open.wait(), SETTINGS_WAIT_S)
        except TimeoutError:
            raise ModelUnavailable("the editor's settings have not arrived yet") from None
