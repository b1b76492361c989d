"""Initialization, configuration and shutdown; starts the model worker with load progress."""

from __future__ import annotations

import asyncio
import logging
import uuid

from lsprotocol import types

from ..errors import QwenError
from ..loop_health import watch
from . import acceptance
from .server import LoadProgress, QwenLanguageServer
from .text_document import adopt

log = logging.getLogger("qwen_lsp")
CONFIG_SECTION = "qwen"
CONFIG_PULL_TIMEOUT_S = 5.0


def register(server: QwenLanguageServer) -> None:
    server.feature(types.INITIALIZE)(on_initialize)
    server.feature(types.INITIALIZED)(on_initialized)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(on_change_configuration)
    server.feature(types.SHUTDOWN)(on_shutdown)


def on_initialize(ls: QwenLanguageServer, params: types.InitializeParams) -> None:
    adopt(ls.workspace)  # pygls has just made it: documents opened from now on are ours
    watch(asyncio.get_running_loop(), ls.loop_health)
    ls.apply_settings(params.initialization_options or {})


async def on_initialized(ls: QwenLanguageServer, params: types.InitializedParams) -> None:
    await pull_configuration(ls)
    acceptance.load(ls)
    await use_settings(ls)  # the first time the settings are final: the backend may start


async def use_settings(ls: QwenLanguageServer) -> None:
    """Start the backend on the current settings, restarting it when they changed its spec."""
    if ls.backend.configured and ls.backend_spec() == ls.backend.spec:
        return
    await ls.backend.stop()
    ls.reset_backend()
    ls.background(start_backend(ls))


async def on_change_configuration(
    ls: QwenLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    pushed = params.settings.get(CONFIG_SECTION) if isinstance(params.settings, dict) else None
    if pushed is not None:
        ls.apply_settings(pushed)
    else:
        await pull_configuration(ls)
    if ls.backend.configured:  # before `initialized` finished, it starts the worker itself
        await use_settings(ls)


async def on_shutdown(ls: QwenLanguageServer, params: None) -> None:
    acceptance.save(ls, force=True)
    await ls.backend.stop()


async def pull_configuration(ls: QwenLanguageServer) -> None:
    """Read the `qwen` section when the client supports workspace/configuration."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return
    try:
        items = [types.ConfigurationItem(section=CONFIG_SECTION)]
        result = await asyncio.wait_for(
            ls.workspace_configuration_async(types.ConfigurationParams(items=items)),
            CONFIG_PULL_TIMEOUT_S,
        )
    except Exception as exc:  # a client that cannot answer keeps the settings it gave
        log.warning("workspace/configuration failed: %s", exc)
        return
    if result and isinstance(result[0], dict):
        ls.apply_settings(result[0])


async def start_backend(ls: QwenLanguageServer) -> None:
    """Spawn the worker and show its loading progress; failures are reported, never raised."""
    window = ls.client_capabilities.window
    if window and window.work_done_progress:
        token = f"qwen-load-{uuid.uuid4().hex[:8]}"
        try:
            await ls.work_done_progress.create_async(token)
            ls.load_progress = LoadProgress(ls, token)
        except Exception as exc:
            log.warning("could not create progress: %s", exc)
    try:
        await ls.backend.start()
    except QwenError as exc:
        log.warning("model worker not started: %s", exc)
