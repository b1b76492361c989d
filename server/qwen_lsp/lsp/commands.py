"""workspace/executeCommand: statistics and worker control."""

from __future__ import annotations

from ..backend.factory import describe
from .lifecycle import start_backend
from .server import QwenLanguageServer

STATS = "qwen.stats"
RESTART = "qwen.restart"
TOGGLE = "qwen.toggleCompletions"


def register(server: QwenLanguageServer) -> None:
    server.command(STATS)(stats)
    server.command(RESTART)(restart)
    server.command(TOGGLE)(toggle_completions)


def stats(ls: QwenLanguageServer, *args: object) -> dict:
    return {
        **ls.stats.snapshot(),
        "worker": {
            "state": ls.backend.state.value,
            # Before the settings are final, what they say now (nothing runs yet).
            **describe(ls.backend.spec if ls.backend.configured else ls.backend_spec()),
            "pid": ls.backend.pid,
            "shared": ls.settings.worker.shared,
            "error": ls.backend.error,
        },
        "completions_enabled": ls.settings.completion.enabled,
        "acceptance": ls.acceptance.report(),
        "event_loop": ls.loop_health.report(),
    }


async def restart(ls: QwenLanguageServer, *args: object) -> dict:
    await ls.backend.stop()
    ls.reset_backend()
    ls.background(start_backend(ls))
    return {"state": ls.backend.state.value}


def toggle_completions(ls: QwenLanguageServer, *args: object) -> dict:
    completion = ls.settings.completion
    ls.apply_settings({"completion": {"enabled": not completion.enabled}})
    return {"completions_enabled": ls.settings.completion.enabled}
