"""The simulated person: types a trace into one system, presses Tab when the ghost text is what
they were about to type, waits at pauses, and times what they feel.

User-felt latency: from the last keystroke before a pause to the moment the answer for that
document state arrives (the system's own client debounce included).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .trace import Span, Trace, initial_text, keystroke_delay, span_offset

WAIT_CAP_S = 20.0  # at a pause, the person waits at most this long for ghost text (CPU: slow)
REVIEW_S = 0.3  # reading an accepted suggestion before typing on


@dataclass
class Doc:
    path: str
    text: str
    cursor: int = 0
    version: int = 1


@dataclass
class Answer:
    version: int
    text: str
    at: float
    item: Any = None


class System(ABC):
    """One completion setup (client behaviour + server) as the person's editor runs it."""

    name = "system"
    on_answer: Callable[[str, int, str, Any], None] = staticmethod(lambda *_: None)

    @abstractmethod
    async def start(self, docs: dict[str, Doc]) -> None: ...

    @abstractmethod
    async def edit(self, doc: Doc, old: str, start: int, end: int, text: str) -> None:
        """`doc` has just changed: old[start:end] replaced by `text`, the cursor after it."""

    async def moved(self, doc: Doc, switched: bool) -> None:
        """The cursor jumped within `doc`, or to `doc` from another file."""
        return None

    async def shown(self, doc: Doc, answer: Answer) -> None:
        """Ghost text for the current state is on screen."""
        return None

    async def accepted(self, doc: Doc, answer: Answer) -> None:
        """The person pressed Tab on `answer`."""
        return None

    async def work_mark(self) -> Any:
        """A mark for `work_since`: taken after the last keystroke before a pause."""
        return time.perf_counter()

    async def work_since(self, mark: Any) -> tuple:
        """(uncached prompt tokens, generated tokens) of the model calls running since `mark`:
        the work a serial model does between the last keystroke and the answer (a system may
        add a floor in ms: see report.projected_ms)."""
        calls = [c for c in getattr(self, "calls", []) if not c["ended"] or c["ended"] >= mark]
        return sum(c["uncached"] for c in calls), sum(c["generated"] for c in calls)

    @abstractmethod
    async def figures(self) -> dict: ...

    @abstractmethod
    async def stop(self) -> None: ...


@dataclass
class UserResult:
    felt_ms: list[float] = field(default_factory=list)
    # per answered pause: (answered from a cache, uncached prompt tokens, generated tokens)
    pause_work: list[tuple] = field(default_factory=list)
    # per answered pause: (wall-clock time of its keystroke, what came before it) for diagnosis
    pause_at: list[tuple[float, str]] = field(default_factory=list)
    unanswered_pauses: int = 0
    empty_answers: int = 0
    keystrokes: int = 0
    accepted: int = 0
    accepted_chars: int = 0
    typed_chars: int = 0
    late_answers: int = 0  # answers that arrived for a state already gone (not shown)
    # per Tab accept: ms from the accept to the next suggestion (None: none came in the wait)
    after_accept_ms: list[float | None] = field(default_factory=list)


class Person:
    def __init__(self, system: System, trace: Trace) -> None:
        self.system, self.trace = system, trace
        self.docs = {name: Doc(name, initial_text(trace, name)) for name in trace.files}
        self.current: Doc | None = None
        self.answers: dict[tuple[str, int], Answer] = {}
        self.arrived = asyncio.Event()
        self.result = UserResult()
        system.on_answer = self._on_answer

    def _on_answer(self, path: str, version: int, text: str, item: Any = None) -> None:
        doc = self.docs[path]
        if version != doc.version or doc is not self.current:
            self.result.late_answers += 1
            return
        if (path, version) not in self.answers:
            self.answers[(path, version)] = Answer(version, text, time.perf_counter(), item)
            self.arrived.set()

    async def _edit(self, doc: Doc, start: int, end: int, text: str) -> float:
        """The keystroke; when it was pressed (before the editor sends anything)."""
        pressed = time.perf_counter()
        old = doc.text
        doc.text = old[:start] + text + old[end:]
        doc.cursor = start + len(text)
        doc.version += 1
        self.arrived.clear()
        self.result.keystrokes += 1
        await self.system.edit(doc, old, start, end, text)
        return pressed

    def _ghost(self, doc: Doc) -> Answer | None:
        return self.answers.get((doc.path, doc.version))

    async def _wait_answer(
        self, doc: Doc, since: float, pause_s: float, after_accept: bool = False, kind: str = ""
    ) -> None:
        wall = time.time() - (time.perf_counter() - since)
        mark = await self.system.work_mark()
        deadline = since + max(pause_s, WAIT_CAP_S)
        while (answer := self._ghost(doc)) is None and time.perf_counter() < deadline:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), deadline - time.perf_counter())
            except TimeoutError:
                break
        if after_accept:
            shown = answer is not None and answer.text
            self.result.after_accept_ms.append((answer.at - since) * 1000 if shown else None)
        if answer is None:
            self.result.unanswered_pauses += 1
        else:
            self.result.felt_ms.append((answer.at - since) * 1000)
            self.result.pause_at.append((round(wall, 3), kind or "accept"))
            self.result.pause_work.append(await self.system.work_since(mark))
            if answer.text:
                await self.system.shown(doc, answer)
            else:
                self.result.empty_answers += 1
        await asyncio.sleep(max(0.0, since + pause_s - time.perf_counter()))

    async def _type_span(self, n: int, span: Span, typed: set[int]) -> None:
        doc = self.docs[span.path]
        switched = doc is not self.current
        self.current = doc
        doc.cursor = span_offset(self.trace, span, typed)
        await self.system.moved(doc, switched)
        done = 0  # characters of the span now in the document
        n_keys = 0  # keys typed since the cursor moved here
        for step in span.steps:
            step_end = done + len(step.text)
            if step_end <= done:  # already inserted by an accepted suggestion
                continue
            await asyncio.sleep(step.delay_s)
            if (
                (ghost := self._ghost(doc))
                and ghost.text
                and span.text[done:].startswith(ghost.text)
            ):
                await self.system.shown(doc, ghost)
                at = doc.cursor
                since = await self._edit(doc, at, at, ghost.text)
                self.result.accepted += 1
                self.result.accepted_chars += len(ghost.text)
                await self.system.accepted(doc, ghost)
                done += len(ghost.text)
                await self._wait_answer(doc, since, REVIEW_S, after_accept=True)
                if done >= step_end:
                    continue
            if step.typo:
                at = doc.cursor
                await self._edit(doc, at, at, step.typo)
                await asyncio.sleep(keystroke_delay_from(step.delay_s))
                await self._edit(doc, at, at + 1, "")
                await asyncio.sleep(keystroke_delay_from(step.delay_s))
            key = span.text[done:step_end]
            n_keys += 1
            at = doc.cursor
            since = await self._edit(doc, at, at, key)
            self.result.typed_chars += len(key)
            done = step_end
            if step.pause_s:
                kind = f"{doc.path}:{'switch' if switched else 'jump'}+{n_keys}:{key!r}"
                await self._wait_answer(doc, since, step.pause_s, kind=kind)
        typed.add(n)

    async def run(self) -> UserResult:
        await self.system.start(self.docs)
        typed: set[int] = set()
        for n, span in enumerate(self.trace.spans):
            await self._type_span(n, span, typed)
        return self.result


def keystroke_delay_from(delay_s: float) -> float:
    """A typo's correction comes a little slower than typing."""
    return delay_s * 1.5


__all__ = ["Answer", "Doc", "Person", "System", "UserResult", "keystroke_delay"]
