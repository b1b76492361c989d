"""Which request the worker's generation thread serves, and when a running one pauses for another.

Requests wait by priority (interactive, then job, then background), first come first served
within one. A generation runs as `ModelHost.steps`, a generator that pauses after each prefill
chunk and each decoded token: while a request of higher priority waits, the running one stays
paused (its KV cache and decoder state are its own) and the waiting one is served first; then it
resumes where it was. A keystroke thus waits for at most one decode step or prefill chunk of a
long job. A keystroke whose prompt is the one a running pre-warm is prefilling (its document's,
give or take what was typed since) joins it instead: the pre-warm goes on in big chunks and the
keystroke then finds its prompt in the cache; a queued one it would join goes first, ahead of
any running work it outranks (after a file switch: another document's pre-warm). Shared by
the pipe worker (main.py) and the shared socket worker (socket_server.py).
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .. import messages as m

if TYPE_CHECKING:
    from .host import ModelHost

RANK = {"interactive": 0, "job": 1, "background": 2}  # lower first
JOIN_SHARE = 0.9  # a keystroke joins a pre-warm whose prompt it shares this much of, from the start


def _never() -> bool:
    return False


@dataclass(eq=False)
class Pending:
    """A request waiting or running; its id is the worker's own, unique among pending ones."""

    request: m.Generate | m.Chat
    send: Callable[[m.FromWorker], None]  # its Chunks and its Done or Failed, to whoever asked
    owner: object = None  # a request supersedes only its owner's (a shared worker's client)
    gone: Callable[[], bool] = _never  # the owner went away: stop
    arrived: float = field(default_factory=time.perf_counter)  # its time limit counts from here
    order: int = 0
    hurried: bool = False  # a waiting request joined it once (`Scheduler._hurried`)

    @property
    def rank(self) -> int:
        return RANK[self.request.priority]


class Scheduler:
    def __init__(self, host: ModelHost) -> None:
        self.host = host
        self._queue: list[tuple[int, int, Pending]] = []
        self._changed = threading.Condition()
        self._order = itertools.count()
        self._cancelled: set[int] = set()
        self._closed = False

    # --- called from the threads that read requests -------------------------------------------

    def submit(self, pending: Pending) -> None:
        with self._changed:
            pending.order = next(self._order)
            heapq.heappush(self._queue, (pending.rank, pending.order, pending))
            self._changed.notify()

    def cancel(self, request_id: int) -> None:
        with self._changed:
            self._cancelled.add(request_id)

    def close(self) -> None:
        """No more requests: `serve_next` returns False once the queue is empty."""
        with self._changed:
            self._closed = True
            self._changed.notify()

    def idle(self) -> bool:
        with self._changed:
            return not self._queue

    # --- the generation thread -----------------------------------------------------------------

    def serve_next(self, timeout: float | None = None) -> bool:
        """Serve the first request waiting (within `timeout`); False once closed and drained."""
        with self._changed:
            if not self._queue and not self._closed:
                self._changed.wait(timeout)
            if not self._queue:
                return not self._closed
            pending = self._prefill_first(heapq.heappop(self._queue)[2])
        self._serve(pending)
        return True

    def _prefill_first(self, pending: Pending) -> Pending:
        """A queued pre-warm that `pending` would join goes first (it waits for it anyway);
        called with the lock held."""
        for entry in self._queue:
            if _joins(pending, entry[2]):
                self._queue.remove(entry)
                heapq.heappush(self._queue, (pending.rank, pending.order, pending))
                heapq.heapify(self._queue)
                return entry[2]
        return pending

    def _serve(self, pending: Pending) -> None:
        request = pending.request
        try:
            if self._must_stop(pending):
                pending.send(m.Done(id=request.id, text="", finish_reason="cancelled"))
                return
            on_text = None
            if request.stream:
                on_text = lambda t: pending.send(m.Chunk(id=request.id, text=t))  # noqa: E731
            steps = self.host.steps(
                request,
                lambda: self._must_stop(pending),
                on_text,
                pending.arrived,
                _early(pending),
                urgent=lambda: self._hurried(pending),
            )
            pending.send(self._run(pending, steps))
        except Exception as exc:  # the error goes back to the caller; the worker lives on
            traceback.print_exc(file=sys.stderr)
            pending.send(m.Failed(id=request.id, error=f"{exc.__class__.__name__}: {exc}"))
        finally:
            with self._changed:
                self._cancelled.discard(request.id)

    def _run(self, pending: Pending, steps: Generator[None, None, m.Done]) -> m.Done:
        """Step the generation; between steps, serve every request that outranks it."""
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value
            self._expire()
            while not self._must_stop(pending) and (higher := self._pop_above(pending)):
                self._serve(higher)

    def _expire(self) -> None:
        """Between another's steps, answer the waiting requests whose time limit has passed
        (empty, "length", as once started): one waiting for a long prefill (a joined pre-warm)
        stays in time. An idle worker starts a late one instead (its prompt warms the cache)."""
        now = time.perf_counter()
        with self._changed:
            late = [e for e in self._queue if _deadline(e[2]) < now]
            for entry in late:
                self._queue.remove(entry)
            heapq.heapify(self._queue)
        for _, _, pending in late:
            stopped = self._must_stop(pending)  # cancelled meanwhile: it says so, as it would
            finish: m.FinishReason = "cancelled" if stopped else "length"
            pending.send(m.Done(id=pending.request.id, text="", finish_reason=finish))

    def _pop_above(self, running: Pending) -> Pending | None:
        """The first waiting request that outranks `running` and does not wait for it (or the
        queued pre-warm it would join: after a file switch, another document's pre-warm runs)."""
        with self._changed:
            for entry in sorted(self._queue):
                if entry[0] >= running.rank:
                    return None
                if not _joins(entry[2], running):
                    self._queue.remove(entry)
                    heapq.heapify(self._queue)
                    return self._prefill_first(entry[2])
            return None

    def _hurried(self, pending: Pending) -> bool:
        """Once a keystroke has joined it, a pre-warm goes in big chunks to its end: the person
        is in that document, and small chunks read ~3x slower on a slow model (BENCHMARKS.md)."""
        pending.hurried = pending.hurried or self._joined(pending)
        return pending.hurried

    def _joined(self, pending: Pending) -> bool:
        """A waiting request outranks `pending` and waits for its prefill to end."""
        with self._changed:
            return any(_joins(later, pending) for _, _, later in self._queue)

    def _must_stop(self, pending: Pending) -> bool:
        """Cancelled, its client gone, superseded by a newer request for the same job, or (for
        background work) its document's cache wanted by a waiting request that outranks it:
        it stops, and the KV cache it has built so far goes back for the others to reuse."""
        request = pending.request
        if pending.gone():
            return True
        with self._changed:
            if request.id in self._cancelled:
                return True
            return any(
                _supersedes(later, pending)
                or (_wants_cache_of(later, pending) and not _joins(later, pending))
                for _, _, later in self._queue
            )


def _deadline(pending: Pending) -> float:
    limit = pending.request.max_time_ms
    return pending.arrived + limit / 1000 if limit else float("inf")


def _early(pending: Pending) -> Callable[[str, m.Usage], None]:
    """Send a Generate's early answer; what goes on after it is work nobody waits for, so it
    drops to background priority (anything waiting goes first, between its decode steps)."""

    def answer(text: str, usage: m.Usage) -> None:
        pending.send(m.EarlyAnswer(id=pending.request.id, text=text, usage=usage))
        pending.request.priority = "background"

    return answer


def _supersedes(later: Pending, pending: Pending) -> bool:
    job = pending.request.job
    return (
        bool(job)
        and later.owner is pending.owner
        and later.request.job == job
        and (later.order > pending.order)
    )


def _wants_cache_of(waiting: Pending, background: Pending) -> bool:
    """`waiting` outranks `background` and wants a cache of the same document (its own or the
    alternate `background` fills: an Enter pre-warm)."""
    key = background.request.cache_key
    return (
        background.rank == RANK["background"]
        and waiting.rank < background.rank
        and bool(key)
        and m.cache_document(waiting.request.cache_key) == m.cache_document(key)
    )


def _joins(waiting: Pending, prefill: Pending) -> bool:
    """`waiting` wants the cache a running pre-warm (a prefill, max_tokens 0) is filling with
    nearly its own prompt: letting the prefill finish serves it best."""
    ahead, wanted = prefill.request, waiting.request
    return (
        isinstance(ahead, m.Generate)
        and isinstance(wanted, m.Generate)
        and ahead.max_tokens == 0
        and _wants_cache_of(waiting, prefill)
        and shared_chars(ahead.prompt, wanted.prompt) >= JOIN_SHARE * len(ahead.prompt)
    )


def shared_chars(a: str, b: str) -> int:
    """Length of the longest common prefix of `a` and `b` (slices compare at C speed)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low
