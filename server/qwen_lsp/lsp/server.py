"""The language server object: settings, the model backend, statistics and in-flight work."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Coroutine
from typing import Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from .. import messages as m
from ..backend import BackendState
from ..backend.factory import Backend, BackendSpec, backend_spec, make_backend, reconfigure
from ..backend.framed import FramedBackend
from ..engine.acceptance import AcceptanceLog
from ..engine.context import RepoContext
from ..engine.prefetch import OPEN_PREWARMS, Upcoming, WarmPrompts
from ..engine.stats import CompletionStats
from ..engine.typing_cache import TypingCache
from ..loop_health import StallMeter
from ..settings import Settings, SettingsError, parse_settings
from . import stdio
from .documents import DocumentEvents
from .protocol import QwenProtocol

log = logging.getLogger("qwen_lsp")
T = TypeVar("T")

_LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


class QwenLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("qwen-lsp", __version__, protocol_cls=QwenProtocol)
        self.settings = Settings()
        self.stats = CompletionStats()
        self.loop_health = StallMeter()  # watching the loop from `initialize` on
        self.acceptance = AcceptanceLog()  # kept on disk by lsp/acceptance.py
        self.acceptance_synced_at = 0.0
        # Completion helpers fed by document events (lsp/completion_state.py).
        self.typing_cache = TypingCache()
        self.repo_context = RepoContext(max_chunks=self.settings.context.max_chunks)
        # Work before it is asked for (lsp/prefetch.py): background requests in flight, each
        # document's next suggestion, the prompt each document's KV cache holds.
        self.background_requests: deque[m.Generate] = deque(maxlen=64)  # till their Done
        self.upcoming: Upcoming[asyncio.Task] = Upcoming()
        self.warm_prompts = WarmPrompts()
        # Not configured until `initialized` has pulled the client's settings: nothing starts.
        self.backend: Backend = make_backend(
            self.backend_spec(), _BackendEvents(self), configured=False
        )
        self.inflight: dict[str, asyncio.Task] = {}
        # The documents opened last: only these are pre-warmed at open (lsp/prefetch.py).
        self.recent_opens: deque[str] = deque(maxlen=OPEN_PREWARMS)
        self.load_progress: LoadProgress | None = None
        self._background: set[asyncio.Task] = set()
        self.document_events = DocumentEvents()

    def background(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task:
        """Run `work` detached, keeping a reference so it is not collected mid-flight."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls's, but messages read ahead in a thread, each stamped with its arrival as it is
        read (trip.py), a big one decoded there (stdio.py)."""
        stdio.serve(self, stdin, stdout)

    def backend_spec(self) -> BackendSpec:
        return backend_spec(self.settings)

    def reset_backend(self) -> None:
        """Take new settings: the same backend reconfigured, or another kind (stop it first):
        the local worker (this server's own, or the user's shared one), openai or llamacpp."""
        self.backend = reconfigure(self.backend, self.backend_spec())

    def apply_settings(self, raw: object) -> bool:
        """Validate and apply settings; invalid ones keep the previous and tell the user."""
        try:
            self.settings = parse_settings(raw, base=self.settings)
        except SettingsError as exc:
            self.notify_user(types.MessageType.Error, f"qwen-lsp: {exc}")
            return False
        logging.getLogger("qwen_lsp").setLevel(_LOG_LEVELS[self.settings.log_level])
        self.repo_context.max_chunks = self.settings.context.max_chunks
        return True

    async def supersede(self, key: str, work: Awaitable[T]) -> T | None:
        """Run `work` as the only in-flight job for `key`; a newer one cancels it (→ None)."""
        if (previous := self.inflight.pop(key, None)) is not None:
            previous.cancel()
        task = asyncio.ensure_future(work)
        self.inflight[key] = task
        try:
            return await task
        except asyncio.CancelledError:
            if _client_cancelled():
                raise  # the client cancelled this request itself
            return None  # superseded by a newer request
        finally:
            if self.inflight.get(key) is task:
                del self.inflight[key]

    def notify_user(self, kind: types.MessageType, text: str) -> None:
        log.log(logging.ERROR if kind == types.MessageType.Error else logging.INFO, text)
        self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def log_to_client(self, text: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=text))


def _client_cancelled() -> bool:
    """Whether the running task itself is being cancelled. Not asked in `supersede`'s own frame:
    a local holding the task would make a cycle through the stored CancelledError's traceback,
    keeping the request's text (10 MB in a big file) alive until the cyclic GC runs."""
    current = asyncio.current_task()
    return current is not None and current.cancelling() > 0


class LoadProgress:
    """Work-done progress for the model load (a 17 GB model takes a while)."""

    def __init__(self, server: QwenLanguageServer, token: str) -> None:
        self.server = server
        self.token = token
        self.server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title="qwen-lsp: loading model", percentage=0),
        )

    def report(self, progress: m.Progress) -> None:
        self.server.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(message=progress.message, percentage=progress.percent),
        )

    def end(self, message: str) -> None:
        self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))


class _BackendEvents:
    def __init__(self, server: QwenLanguageServer) -> None:
        self.server = server
        self.told_failure = False  # one message per failure, not one per retry

    def on_state(self, state: BackendState, detail: str) -> None:
        log.info("worker %s: %s", state.value, detail)
        progress = self.server.load_progress
        if progress is not None and state is not BackendState.LOADING:
            self.server.load_progress = None
            progress.end(detail)
        if state in (BackendState.READY, BackendState.STOPPED):
            self.told_failure = False
        backend = self.server.backend
        if state is BackendState.STOPPED and isinstance(backend, FramedBackend) and backend.crash:
            text = f"qwen-lsp: {detail}; loading the model again."
            self.server.notify_user(types.MessageType.Warning, text)
        if state is BackendState.FAILED and not self.told_failure:
            self.told_failure = True
            if self.server.backend.retry_at is None:
                text = (
                    f"qwen-lsp: {detail}. Completions are off until this is fixed "
                    "(a settings change or qwen.restart retries)."
                )
            else:
                text = f"qwen-lsp: {detail}, then less often (`qwen.restart` retries now)."
            self.server.notify_user(types.MessageType.Error, text)

    def on_progress(self, progress: m.Progress) -> None:
        if self.server.load_progress is not None:
            self.server.load_progress.report(progress)

    def on_done(self, done: m.Done) -> None:
        usage, stats = done.usage, self.server.stats
        sent = self.server.background_requests
        cancelled = done.finish_reason == "cancelled"
        mine = next((r for r in sent if r.id == done.id), None)
        if mine is not None:
            sent.remove(mine)  # nobody waits for it: counted apart
            stats.background.record_usage(
                usage.prompt_tokens, usage.reused_tokens, usage.generated_tokens
            )
        elif not stats.record_continuation(
            done.id, usage.generated_tokens, cancelled, usage.prompt_tokens, usage.reused_tokens
        ):
            if cancelled:
                stats.cancelled += 1  # confirmed by the worker: it stopped generating
                stats.cancelled_generated_tokens += usage.generated_tokens
            stats.record_model_usage(
                usage.prompt_tokens, usage.reused_tokens, usage.generated_tokens, usage.ttft_ms
            )
        if usage.prompt_tokens:  # a request the worker dropped unseen reports no usage
            stats.warm_documents = usage.warm_caches
            stats.kv_cache_bytes = usage.kv_cache_bytes
            stats.kv_cache_limit_bytes = usage.kv_cache_limit_bytes

    def on_log(self, line: str) -> None:
        log.debug("worker: %s", line)
