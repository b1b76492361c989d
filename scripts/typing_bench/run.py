"""One session: a fresh system (its servers started with the shared model environment), one
person typing one trace into it, the figures and every process's peak memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
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
    # qwen-lsp run side by side with other settings: system name → settings over qwen_settings
    qwen_variants: dict[str, dict] = field(default_factory=dict)


def unavailable(system: str, setup: Setup) -> str | None:
    needs_llama = system == "llama.vim" or _on_llama_server(system, setup)
    return llama_missing() if needs_llama else None


def _qwen_settings(system: str, setup: Setup) -> dict:
    """qwen-lsp's settings for `system`: the run's, then its variant's over them."""
    budget = {"maxPromptTokens": setup.budget_tokens} if setup.budget_tokens else {}
    settings = _merged({"context": budget}, setup.qwen_settings or {})
    return _merged(settings, setup.qwen_variants.get(system, {}))


def _on_llama_server(system: str, setup: Setup) -> bool:
    """A qwen-lsp system with backend `llamacpp`: the run starts a llama-server for it."""
    return (
        system.startswith("qwen-lsp") and _qwen_settings(system, setup).get("backend") == "llamacpp"
    )


async def _start(system: str, setup: Setup, logs: Path) -> tuple[System, list[Server]]:
    if system.startswith("qwen-lsp"):
        settings = _qwen_settings(system, setup)
        if not _on_llama_server(system, setup):
            return QwenLsp(str(setup.model), REPO, settings, system), []
        # qwen-lsp as a Linux machine without MLX runs it, on a llama-server started as llama.vim's
        server = start_llama_server(setup.model, setup.llama_context, logs / "llama-server.log")
        await server.ready()
        url = {"url": f"http://127.0.0.1:{server.port}"}
        settings = _merged(settings, {"remote": url})
        return QwenLsp(str(setup.model), REPO, settings, system), [server]
    if system == "continue":
        server = start_mlx_server(str(setup.model), logs / "mlx_lm.server.log")
        await server.ready()
        tokenizer = Tokenizer.from_file(str(setup.model / "tokenizer.json"))
        budget = setup.budget_tokens or MAX_PROMPT_TOKENS
        return ContinueMlx(server.port, str(setup.model), tokenizer, budget), [server]
    server = start_llama_server(setup.model, setup.llama_context, logs / "llama-server.log")
    await server.ready()
    return LlamaVim(server.port), [server]


def _merged(base: dict, more: dict) -> dict:
    """`more` over `base`, section by section."""
    out = dict(base)
    for key, value in more.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = {**out[key], **value} if both else value
    return out


async def session(system_name: str, setup: Setup, trace: Trace) -> dict:
    """Type `trace` into a freshly started `system_name`; its summary row."""
    system, servers = await _start(system_name, setup, BUILD / "bench-logs")
    try:
        person = Person(system, trace)
        user = await asyncio.wait_for(person.run(), SESSION_TIMEOUT_S)
        raw = await system.figures()
        pids = {name: pid for name, pid in (raw.get("pids") or {}).items() if pid}
        if servers:  # the model server: the peer's own, or the one qwen-lsp's backend uses
            pids["llama-server" if pids else "server"] = servers[0].pid
        rss = {name: round(peak_rss_mib(pid), 1) for name, pid in pids.items()}
    finally:
        await system.stop()
        for server in servers:
            server.stop()
    return report.summarize(system.name, user, raw, rss)
