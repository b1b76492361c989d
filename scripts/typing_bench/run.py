"""One session: a fresh system (its servers started with the shared model environment), one
person typing one trace into it, the figures and every process's peak memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

from . import report
from .continue_system import MAX_PROMPT_TOKENS, ContinueMlx
from .llamavim_system import LlamaVim
from .qwen_system import QwenLsp
from .servers import (
    BUILD,
    REPO,
    Server,
    llama_missing,
    peak_rss_mib,
    start_llama_server,
    start_mlx_server,
)
from .trace import Trace
from .user import Person, System

SYSTEMS = ("qwen-lsp", "continue", "llama.vim")
SESSION_TIMEOUT_S = 1800


@dataclass
class Setup:
    """What every system of a run shares: the model and the context budget."""

    model: Path
    budget_tokens: int | None = None  # None: each system's own default
    llama_context: int = 8192
    qwen_settings: dict | None = None  # more qwen-lsp settings, e.g. {"completion": {...}}
    # more qwen-lsp systems, "qwen-lsp NAME", each with these settings over qwen_settings
    qwen_variants: dict[str, dict] | None = None

    def qwen_settings_of(self, system: str) -> dict:
        variant = (self.qwen_variants or {}).get(system.removeprefix("qwen-lsp").strip(), {})
        return {**(self.qwen_settings or {}), **variant}


def unavailable(system: str) -> str | None:
    return llama_missing() if system == "llama.vim" else None


async def _start(system: str, setup: Setup, logs: Path) -> tuple[System, list[Server]]:
    if system.startswith("qwen-lsp"):
        budget = {"maxPromptTokens": setup.budget_tokens} if setup.budget_tokens else {}
        qwen = QwenLsp(
            str(setup.model), REPO, {"context": budget, **setup.qwen_settings_of(system)}
        )
        qwen.name = system
        return qwen, []
    if system == "continue":
        server = start_mlx_server(str(setup.model), logs / "mlx_lm.server.log")
        await server.ready()
        tokenizer = Tokenizer.from_file(str(setup.model / "tokenizer.json"))
        budget = setup.budget_tokens or MAX_PROMPT_TOKENS
        return ContinueMlx(server.port, str(setup.model), tokenizer, budget), [server]
    server = start_llama_server(setup.model, setup.llama_context, logs / "llama-server.log")
    await server.ready()
    return LlamaVim(server.port), [server]


async def session(system_name: str, setup: Setup, trace: Trace) -> dict:
    """Type `trace` into a freshly started `system_name`; its summary row."""
    system, servers = await _start(system_name, setup, BUILD / "bench-logs")
    try:
        person = Person(system, trace)
        user = await asyncio.wait_for(person.run(), SESSION_TIMEOUT_S)
        raw = await system.figures()
        pids = raw.get("pids") or {"server": servers[0].pid if servers else None}
        rss = {name: round(peak_rss_mib(pid), 1) for name, pid in pids.items()}
    finally:
        await system.stop()
        for server in servers:
            server.stop()
    return report.summarize(system.name, user, raw, rss)
