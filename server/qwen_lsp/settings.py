"""Typed settings, parsed once from initializationOptions / the `qwen` configuration section.

JSON keys are camelCase (`docs.onSave`); every field is documented in the README under its own
heading, and the editor clients mirror this schema (`settings_schema()` is the source of truth).
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

import msgspec

DEFAULT_MODEL = "mlx-community/Qwen3-Coder-30B-A3B-Instruct-4bit"
MODEL_ENV = "QWEN_LSP_MODEL"


# Range checks live in the types: msgspec's errors then name the offending key's path.
Positive = Annotated[int, msgspec.Meta(gt=0)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class _Section(
    msgspec.Struct, rename="camel", forbid_unknown_fields=True, omit_defaults=True, frozen=True
):
    pass


class CompletionSettings(_Section, frozen=True):
    enabled: bool = True
    """Serve inline completions."""
    multiline: Literal["auto", "always", "never"] = "auto"
    """Multi-line suggestions: decided from the syntax (auto), always, or never."""
    max_tokens: Positive = 64
    """Most tokens one suggestion may have."""
    max_lines: Positive = 16
    """Most lines one multi-line suggestion may have."""
    debounce_ms: NonNegative = 40
    """Delay the clients wait after the last keystroke before asking for a suggestion."""
    timeout_ms: Positive = 5000
    """A suggestion still generating after this long is cut short and returned as is."""


class ContextSettings(_Section, frozen=True):
    max_prompt_tokens: Positive = 2048
    """Approximate token budget of a completion prompt (prefix:suffix about 3:1)."""
    repo_files: bool = True
    """Add other open documents and recent edits as repository context."""
    max_chunks: Positive = 16
    """Size of the ring buffer of recently edited or viewed chunks."""


class WorkerSettings(_Section, frozen=True):
    cache_mb: Positive = 2048
    """Memory the KV prompt caches may hold, in MiB."""
    max_context_tokens: Positive = 32768
    """Longest prompt + generation the worker accepts (the model's native limit is larger)."""
    allow_download: bool = False
    """Download a Hugging Face model missing from the local cache (off: an error gives its size)."""


class DocsSettings(_Section, frozen=True):
    on_save: bool = False
    """Write documentation for undocumented definitions when a file is saved."""
    style: Literal["google", "numpy", "sphinx"] = "google"
    """Python docstring convention."""
    max_per_save: Positive = 8
    """Most definitions documented per save."""
    timeout_s: Positive = 120
    """Time cap of one save's documentation run."""


class ActionsSettings(_Section, frozen=True):
    enabled: bool = True
    """Offer the model's code actions."""
    max_turns: Positive = 4
    """Most model turns per action (read-only tool results go back to the model)."""
    max_tokens: Positive = 1024
    """Most tokens the model may write per turn."""
    temperature: Annotated[float, msgspec.Meta(ge=0)] | None = None
    """Sampling temperature of actions; unset: the model's own (Qwen3-Coder 0.7); 0: greedy."""


class Settings(_Section, frozen=True):
    model: str = ""
    """Local model directory or Hugging Face repo id; empty: $QWEN_LSP_MODEL, then the default."""
    completion: CompletionSettings = CompletionSettings()
    context: ContextSettings = ContextSettings()
    worker: WorkerSettings = WorkerSettings()
    docs: DocsSettings = DocsSettings()
    actions: ActionsSettings = ActionsSettings()
    log_level: Literal["error", "warning", "info", "debug"] = "info"
    """Detail of the server log (the editor's output channel / :LspLog)."""


class SettingsError(ValueError):
    """Settings that do not validate; the message names the offending key."""


def parse_settings(raw: Any, base: Settings | None = None) -> Settings:
    """Validate `raw` (a JSON object) over `base`; unknown keys and wrong types are errors."""
    merged = msgspec.to_builtins(base) if base is not None else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SettingsError(f"settings must be a JSON object, got {type(raw).__name__}")
    merged = _deep_merge(merged, raw)
    try:
        settings = msgspec.convert(merged, Settings)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid qwen settings: {exc}") from exc
    return settings


def _deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_model(settings: Settings) -> str:
    return settings.model or os.environ.get(MODEL_ENV, "") or DEFAULT_MODEL


def settings_schema() -> dict:
    """JSON Schema of the settings (camelCase keys), for the editor clients to mirror."""
    return msgspec.json.schema(Settings)
