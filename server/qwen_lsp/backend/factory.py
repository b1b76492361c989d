"""The backend the settings choose: the local worker (this server's own or the user's shared
one), or a model server over HTTP."""

from __future__ import annotations

from ..settings import Settings, resolve_model
from .base import BackendEvents
from .http import HttpBackend, RemoteSpec
from .llamacpp import LlamaCppBackend
from .openai import OpenAIBackend
from .pipe import PipeBackend, WorkerSpec
from .socket import SocketBackend

BackendSpec = WorkerSpec | RemoteSpec
Backend = PipeBackend | SocketBackend | HttpBackend
REMOTE_KINDS: dict[str, type[HttpBackend]] = {"openai": OpenAIBackend, "llamacpp": LlamaCppBackend}


def backend_spec(settings: Settings) -> BackendSpec:
    if settings.backend in REMOTE_KINDS:
        remote = settings.remote
        return RemoteSpec(
            kind=settings.backend,
            url=remote.url,
            model=remote.model,
            chat_model=remote.chat_model,
            api_key_env=remote.api_key_env,
            connect_timeout_s=remote.connect_timeout_s,
            timeout_s=remote.timeout_s,
            retries=remote.retries,
        )
    worker = settings.worker
    return WorkerSpec(
        model=resolve_model(settings),
        cache_mb=worker.cache_mb,
        max_context_tokens=worker.max_context_tokens,
        shared=worker.shared,
        idle_timeout_s=worker.idle_timeout_s,
        allow_download=worker.allow_download,
        speculation=worker.speculation,
        draft_tokens=worker.draft_tokens,
        preempt_chunk_ms=worker.preempt_chunk_ms,
        cpu_attention=worker.cpu_attention,
    )


def _local_kind(spec: WorkerSpec) -> type[PipeBackend | SocketBackend]:
    return SocketBackend if spec.shared else PipeBackend


def make_backend(spec: BackendSpec, events: BackendEvents, *, configured: bool = True) -> Backend:
    """A backend of `spec`'s kind; an unconfigured one starts nothing until `reset`."""
    if isinstance(spec, RemoteSpec):
        return REMOTE_KINDS[spec.kind](spec, events, configured=configured)
    return _local_kind(spec)(spec, events, configured=configured)


def reconfigure(backend: Backend, spec: BackendSpec) -> Backend:
    """The same backend taking `spec` when it is of its kind, else a new one (already stopped)."""
    if isinstance(spec, RemoteSpec):
        if isinstance(backend, HttpBackend) and backend.spec.kind == spec.kind:
            backend.reset(spec)
            return backend
    elif type(backend) is _local_kind(spec):
        backend.reset(spec)
        return backend
    return make_backend(spec, backend.events)


def describe(spec: BackendSpec) -> dict[str, str]:
    """Which backend, host and model serve the code: shown by qwen.stats and the status bar."""
    if isinstance(spec, RemoteSpec):
        return {"backend": spec.kind, "host": spec.host, "model": spec.model or "server default"}
    return {"backend": "local", "host": "localhost", "model": spec.model}
