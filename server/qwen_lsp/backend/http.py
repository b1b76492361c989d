"""A model server reached over HTTP with streamed (server-sent event) answers.

What every remote backend shares: the connection and its timeouts, retries with backoff while
the server cannot be reached (never once it has answered: a request is not sent twice), the API
key read from a named environment variable, a superseded request cancelled by closing its stream
(the servers stop generating when the connection drops), and a time cap per request.
Subclasses say what to send (`payload`) and how to read each event (`read_event`, `finish`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx

from .. import messages as m
from ..engine.answer_box import AnswerBox
from ..engine.fim import STOP_MARKERS
from ..errors import GenerationFailed, ModelUnavailable, QwenError
from .base import BackendEvents, BackendState
from .settings_gate import SettingsGate

BACKOFF_S = 0.25  # first retry's wait; doubles each time
logging.getLogger("httpx2").setLevel(logging.WARNING)  # not a log line per request
UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout)


@dataclass(frozen=True)
class RemoteSpec:
    kind: str  # "openai" | "llamacpp"
    url: str
    model: str = ""
    chat_model: str = ""
    api_key_env: str = ""
    connect_timeout_s: float = 5.0
    timeout_s: float = 120.0
    retries: int = 2

    @property
    def base(self) -> str:
        """The server's root (`http://host:port`), whether or not the URL ended in /v1."""
        return self.url.rstrip("/").removesuffix("/v1")

    @property
    def host(self) -> str:
        """host:port without any credentials, for the status bar and logs."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


@dataclass
class Reply:
    """What a streamed answer has said so far."""

    text: str = ""
    finish: m.FinishReason = "length"
    events: int = 0
    usage: m.Usage | None = None
    tool_deltas: dict[int, dict[str, str]] = field(default_factory=dict)


class HttpBackend:
    health_path = "/health"

    def __init__(self, spec: RemoteSpec, events: BackendEvents, *, configured: bool = True) -> None:
        self.spec = spec
        self.events = events
        self._settings = SettingsGate(configured)  # reset() opens it with the final settings
        self.retry_at: float | None = None  # the server loads its own model: no load back-off
        self.state = BackendState.STOPPED
        self.error = ""
        self.pid: int | None = None  # no local process
        self._client: httpx.AsyncClient | None = None
        self._ids = itertools.count(1)
        self._start_lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return self._settings.configured

    # --- what subclasses provide --------------------------------------------------------------

    def payload(self, message: m.Generate | m.Chat) -> tuple[str, dict]:
        raise NotImplementedError

    def read_event(self, event: dict, reply: Reply) -> str:
        """Fold one streamed event into `reply`; the new text it carries."""
        raise NotImplementedError

    def finish(self, message: m.Generate | m.Chat, reply: Reply) -> m.Done:
        raise NotImplementedError

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the server answers (waiting while it loads its model)."""
        await self._settings.wait()
        async with self._start_lock:
            if self.state is BackendState.READY:
                return
            if self.state is BackendState.FAILED:
                raise ModelUnavailable(self.error)
            self._set_state(BackendState.LOADING, f"connecting to {self.spec.host}")
            try:
                await self._probe()
            except QwenError as exc:
                if self.state is BackendState.LOADING:
                    self.error = str(exc)
                    self._set_state(BackendState.STOPPED, self.error)
                raise
            self._set_state(BackendState.READY, f"{self.spec.kind} server at {self.spec.host}")

    async def _probe(self) -> None:
        deadline = time.monotonic() + self.spec.timeout_s
        while True:
            response = await self._send("GET", self.health_path)
            await response.aclose()
            if response.status_code in (401, 403):
                self.error = (
                    f"{self.spec.host} refused the API key (status {response.status_code}); "
                    "check remote.apiKeyEnv"
                )
                self._set_state(BackendState.FAILED, self.error)
                raise ModelUnavailable(self.error)
            if response.status_code != 503 or time.monotonic() > deadline:
                return
            await asyncio.sleep(0.5)  # 503: the server is still loading its model

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self.state is not BackendState.FAILED:
            self._set_state(BackendState.STOPPED, "disconnected")

    def reset(self, spec: RemoteSpec) -> None:
        """New settings: a refused key may work now; the next request connects afresh."""
        self.spec = spec
        self._settings.open()
        if self.state is BackendState.FAILED:
            self._set_state(BackendState.STOPPED, "settings changed")
            self.error = ""

    # --- requests -----------------------------------------------------------------------------

    async def request(
        self,
        message: m.Generate | m.Chat,
        on_chunk: Callable[[str], None] | None = None,
        on_early: Callable[[m.EarlyAnswer], None] | None = None,
    ) -> m.Done:
        await self.start()
        message.id = next(self._ids)
        path, body = self.payload(message)
        reply, started, ttft = Reply(), time.perf_counter(), 0.0
        deadline = started + message.max_time_ms / 1000 if message.max_time_ms else None
        box = AnswerBox(getattr(message, "answer_within_ms", 0) if on_early else 0, started)
        response: httpx.Response | None = None
        try:
            response = await self._send("POST", path, body)
            await _raise_for_status(response, self.spec.host)
            async for line in response.aiter_lines():
                event = _sse_data(line)
                if event is None:
                    continue
                if event == "[DONE]":
                    break
                reply.events += 1
                piece = self.read_event(event, reply)
                if piece:
                    ttft = ttft or time.perf_counter() - started
                    reply.text += piece
                    if on_chunk:
                        on_chunk(piece)
                    if on_early and (early := self._early(message, reply, box)) is not None:
                        on_early(early)  # the stream goes on: the server keeps generating
                if deadline is not None and time.perf_counter() > deadline:
                    reply.finish = "length"  # cut short: closing the stream stops the server
                    break
        except asyncio.CancelledError:
            usage = m.Usage(generated_tokens=reply.events)  # the stream is closed: it stopped
            self.events.on_done(m.Done(message.id, "", "cancelled", usage=usage))
            raise
        except httpx.TimeoutException as exc:
            raise GenerationFailed(
                f"{self.spec.host} sent nothing for {self.spec.timeout_s:g} s (remote.timeoutS)"
            ) from exc
        except httpx.HTTPError as exc:
            raise GenerationFailed(f"{self.spec.host}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            if response is not None:  # unread: the connection closes, the generation with it
                await response.aclose()
        done = self.finish(message, reply)
        done.usage = _timed(reply.usage or m.Usage(generated_tokens=reply.events), ttft, started)
        self.events.on_done(done)
        return done

    def _early(
        self, message: m.Generate | m.Chat, reply: Reply, box: AnswerBox
    ) -> m.EarlyAnswer | None:
        """The early answer when due (token counts: one event a token, as servers stream)."""
        stops = [*STOP_MARKERS, *getattr(message, "stop", [])]
        text = box.due(time.perf_counter(), lambda: cut_at_stops(reply.text, stops))
        if text is None:
            return None
        usage = m.Usage(generated_tokens=reply.events)
        return m.EarlyAnswer(id=message.id, text=text, usage=usage)

    async def _send(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        """Send with retries while the server cannot be reached; the response is streamed."""
        client = self._client_for_loop()
        request = client.build_request(
            method, self.spec.base + path, json=body, headers=self._headers()
        )
        for attempt in itertools.count():
            try:
                return await client.send(request, stream=True)
            except UNREACHABLE as exc:
                if attempt >= self.spec.retries:
                    self.error = f"cannot reach {self.spec.host}: {exc or exc.__class__.__name__}"
                    self._set_state(BackendState.STOPPED, self.error)
                    raise ModelUnavailable(self.error) from exc
                await asyncio.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")

    def _headers(self) -> dict[str, str]:
        name = self.spec.api_key_env
        if not name:
            return {}
        key = os.environ.get(name)
        if not key:  # the editor's environment lacks it: only a settings change can help
            self.error = f"remote.apiKeyEnv names ${name}, which is not set"
            self._set_state(BackendState.FAILED, self.error)
            raise ModelUnavailable(self.error)
        return {"Authorization": f"Bearer {key}"}

    def _client_for_loop(self) -> httpx.AsyncClient:
        if self._client is None:
            timeout = httpx.Timeout(self.spec.timeout_s, connect=self.spec.connect_timeout_s)
            self._client = httpx.AsyncClient(timeout=timeout, trust_env=False)
        return self._client

    def _set_state(self, state: BackendState, detail: str) -> None:
        if state is BackendState.READY:
            self.error = ""
        self.state = state
        self.events.on_state(state, detail)


def _sse_data(line: str) -> Any:
    """The JSON of a `data:` line; None for comments, keep-alives and blank lines."""
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if data == "[DONE]":
        return data
    try:
        return json.loads(data)
    except ValueError:
        return None


async def _raise_for_status(response: httpx.Response, host: str) -> None:
    if response.status_code < 400:
        return
    detail = (await response.aread()).decode("utf-8", "replace")[:300]
    raise GenerationFailed(f"{host} answered {response.status_code}: {detail}")


def _timed(usage: m.Usage, ttft_s: float, started: float) -> m.Usage:
    usage.ttft_ms = ttft_s * 1000
    usage.total_ms = (time.perf_counter() - started) * 1000
    return usage


def usage_from(usage: dict | None, timings: dict | None) -> m.Usage | None:
    """Token counts from OpenAI's `usage` or llama.cpp's `timings` (cache_n: reused tokens)."""
    if usage:
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        if not cached and timings:
            cached = timings.get("cache_n", 0)
        return m.Usage(
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            reused_tokens=int(cached),
            generated_tokens=int(usage.get("completion_tokens") or 0),
        )
    if timings:
        cached = int(timings.get("cache_n", 0))
        return m.Usage(
            prompt_tokens=cached + int(timings.get("prompt_n", 0)),
            reused_tokens=cached,
            generated_tokens=int(timings.get("predicted_n", 0)),
        )
    return None


def cut_at_stops(text: str, stops: list[str]) -> str:
    """`text` before the first stop string (servers apply them too; this makes it certain)."""
    hits = [i for s in stops if s and (i := text.find(s)) != -1]
    return text[: min(hits)] if hits else text
