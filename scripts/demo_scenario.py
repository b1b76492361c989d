"""The demo's scenario: every step an editor takes with qwen-lsp, and what the server answers.

`make demo` (scripts/demo.py) shows it; tests/model/test_demo.py runs the same function against
the trained test model and asserts each step. With the test model the places are ones it learned
(tests/fixtures/corpus); with $QWEN_LSP_MODEL the same steps show what that model says.
"""

from __future__ import annotations

import difflib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from editor_sim import REPO, Editor, Session, start_session

CORPUS = REPO / "tests" / "fixtures" / "corpus"
# Actions greedy, so the test model answers as it learned; documentation written on save.
# Whole suggestions (answerWithinMs 0): each hole shows its line from one model call and Tab
# accepts all of it; the default answers a slow model (or a loaded machine) with its first words.
SETTINGS = {
    "completion": {"answerWithinMs": 0},
    "docs": {"onSave": True},
    "actions": {"temperature": 0},
}

GHOST_FILE = "temperature.py"
# Lines of GHOST_FILE (1-based) the user clears and writes again, each answered by ghost text
# after its indentation; the user types through the suggestion at TYPE_THROUGH, TYPED
# characters of it, one keystroke at a time.
HOLES = (7, 11, 27)
TYPE_THROUGH = 11
TYPED = 7
ACTION_SYMBOL = "celsius_to_fahrenheit"  # Add docstring, in GHOST_FILE, from a tool call
# The user writes SAVE_SYMBOL into SAVE_FILE, saves, and the server documents it.
SAVE_FILE, SAVE_SYMBOL = "wordcount.py", "top_words"


class Show(Protocol):
    """Where the scenario reports: the terminal (scripts/demo.py) or a test's buffer."""

    def step(self, title: str) -> None: ...
    def sent(self, method: str, detail: str = "") -> None: ...
    def received(self, method: str, detail: str = "") -> None: ...
    def note(self, text: str) -> None: ...
    def diff(self, text: str) -> None: ...
    def table(self, rows: list[tuple[str, str]]) -> None: ...


@dataclass
class Ghost:
    """One ghost-text answer: where, what, and whether the model or the cache gave it."""

    line: int  # 1-based, as editors show
    column: int
    text: str
    model_calls: int  # made for this answer
    cache_hits: int


@dataclass
class Record:
    """What the scenario saw, step by step (the test asserts on it)."""

    loading: list[str] = field(default_factory=list)
    ghosts: list[Ghost] = field(default_factory=list)
    typed: list[Ghost] = field(default_factory=list)
    ghost_text: str = ""  # GHOST_FILE after the suggestions were accepted
    actions: list[str] = field(default_factory=list)
    action_diff: str = ""
    save_diff: str = ""
    stats: dict = field(default_factory=dict)


def line_span(text: str, line: int) -> tuple[int, int]:
    """Offsets of 1-based `line`'s text after its indentation, and of its end."""
    end = len("\n".join(text.split("\n")[:line]))
    start = text.rfind("\n", 0, end) + 1
    return start + len(text[start:end]) - len(text[start:end].lstrip()), end


def function_span(text: str, symbol: str) -> tuple[int, int]:
    """Offsets of top-level function `symbol` with the blank lines after it."""
    start = text.index(f"def {symbol}(")
    end = text.find("\ndef ", start)
    return start, len(text) if end < 0 else end + 1


def unified(before: str, after: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
            n=1,
        )
    )


def quoted(text: str) -> str:
    return repr(text) if text else "(no suggestion)"


async def run(model: str, show: Show) -> Record:
    """Start the server on a copy of the corpus files and take every step; returns what came
    back. The workspace folder is named `demo`, a name the test model saw in training."""
    record = Record()
    with tempfile.TemporaryDirectory(prefix="qwen-lsp-") as tmp:
        root = Path(tmp) / "demo"
        root.mkdir()
        for name in (GHOST_FILE, SAVE_FILE):
            shutil.copy(CORPUS / name, root / name)
        session = await load(model, root, show, record)
        try:
            await ghost_text(session, show, record)
            await code_action(session, show, record)
            await docs_on_save(session, show, record)
            record.stats = await stats(session, show)
        finally:
            await session.close()
    return record


async def load(model: str, root: Path, show: Show, record: Record) -> Session:
    show.step("Start the server and load the model")
    options = json.dumps({"model": model, **SETTINGS})
    show.sent("initialize", f"rootUri {root.as_uri()}, initializationOptions {options}")
    shown: set[str] = set()

    def progress(title: str, text: str) -> None:
        if not title.endswith("loading model"):
            return
        record.loading.append(text)
        step = text.split(" (")[0]  # one line per stage, at its first percentage
        if step not in shown and step != title:
            shown.add(step)
            show.received("$/progress", text)

    started = time.perf_counter()
    session = await start_session(model, root, settings=SETTINGS, on_progress=progress)
    show.note(f"model ready {time.perf_counter() - started:.1f} s after the server started")
    return session


async def suggest(editor: Editor, name: str, show: Show) -> Ghost:
    before = await editor.stats()
    here = editor.position()
    show.sent("textDocument/inlineCompletion", f"{name}:{here.line + 1}:{here.character + 1}")
    got = await editor.complete()
    after = await editor.stats()
    calls = after["model_calls"] - before["model_calls"]
    hits = after["cache_hits"] - before["cache_hits"]
    source = "from the typing-through cache, no model call" if hits and not calls else "model"
    show.received("", f"{quoted(got.text)}   ({source}, {got.round_trip_ms:.0f} ms)")
    return Ghost(here.line + 1, here.character + 1, got.text, calls, hits)


async def ghost_text(session: Session, show: Show, record: Record) -> None:
    original = (session.root / GHOST_FILE).read_text(encoding="utf-8")
    lines = ", ".join(map(str, HOLES[:-1])) + f" and {HOLES[-1]}"
    show.step(f"Ghost text: in {GHOST_FILE} the user clears lines {lines} and writes them again")
    show.sent("textDocument/didOpen", GHOST_FILE)
    editor = session.open(GHOST_FILE, original)
    for n in HOLES:
        start, end = line_span(editor.text, n)
        editor.move_to(end)
        editor.replace(start, end, "")  # the cursor stays after the indentation
        show.sent("textDocument/didChange", f"line {n} cleared")
        ghost = await suggest(editor, GHOST_FILE, show)
        record.ghosts.append(ghost)
        rest = ghost.text
        if n == TYPE_THROUGH and len(ghost.text) > 1:
            show.note(f"The user types the first {TYPED} characters of it, one keystroke each:")
            for char in ghost.text[: min(TYPED, len(ghost.text) - 1)]:
                editor.type(char)
                show.sent("textDocument/didChange", f"types {char!r}")
                record.typed.append(await suggest(editor, GHOST_FILE, show))
            rest = record.typed[-1].text
        if rest:
            editor.type(rest)  # Tab accepts it
            show.note(f"Tab accepts it: line {n} reads {editor.text.split(chr(10))[n - 1]!r}")
    record.ghost_text = editor.text
    show.note(
        "The file is as it was written."
        if editor.text == original
        else "The file differs from the original:\n" + unified(original, editor.text, GHOST_FILE)
    )


async def code_action(session: Session, show: Show, record: Record) -> None:
    (editor,) = [e for e in session.editors.values() if e.uri.endswith(f"/{GHOST_FILE}")]
    text = editor.text
    show.step(f"Code action: Add docstring to {ACTION_SYMBOL} in {GHOST_FILE} (a tool call)")
    inside = text.index("\n", text.index(f"def {ACTION_SYMBOL}(")) + 5  # the body's first line
    here = editor.position(inside)
    show.sent("textDocument/codeAction", f"{GHOST_FILE}:{here.line + 1}:{here.character + 1}")
    listed = await editor.code_actions(inside)
    record.actions = [a.title for a in listed]
    show.received("", "; ".join(record.actions) + "   (listing makes no model call)")
    action = next(a for a in listed if a.title.startswith("Add docstring"))
    show.sent("codeAction/resolve", repr(action.title))
    started = time.perf_counter()
    resolved = await editor.resolve(action)
    ms = (time.perf_counter() - started) * 1000
    if resolved.edit is None:
        show.received("", f"no edit: {session.logs[-1] if session.logs else ''}")
        return
    show.received("", f"a WorkspaceEdit for version {editor.version} ({ms:.0f} ms); applied:")
    editor.apply(resolved.edit)
    record.action_diff = unified(text, editor.text, GHOST_FILE)
    show.diff(record.action_diff)


async def docs_on_save(session: Session, show: Show, record: Record) -> None:
    full = (session.root / SAVE_FILE).read_text(encoding="utf-8")
    start, end = function_span(full, SAVE_SYMBOL)
    show.step(f"Documentation on save: the user writes {SAVE_SYMBOL} in {SAVE_FILE} and saves")
    show.sent("textDocument/didOpen", f"{SAVE_FILE}, without {SAVE_SYMBOL}")
    editor = session.open(SAVE_FILE, full[:start] + full[end:])
    editor.replace(start, start, full[start:end])
    show.sent("textDocument/didChange", f"{SAVE_SYMBOL} written")
    seen, applied = len(session.logs), len(session.applied)
    show.sent("textDocument/didSave", SAVE_FILE)
    started = time.perf_counter()
    editor.save()
    result = await session.next_log("qwen-lsp docs:", seen)
    ms = (time.perf_counter() - started) * 1000
    if len(session.applied) == applied:
        show.received("", f"no edit: {result}")
        return
    label = session.applied[-1].label
    show.received("workspace/applyEdit", f"{label!r} ({ms:.0f} ms after the save); applied:")
    record.save_diff = unified(full, editor.text, SAVE_FILE)
    show.diff(record.save_diff)


STATS_SHOWN = (
    "requests",
    "model_calls",
    "cache_hits",
    "prompt_tokens",
    "reused_prompt_tokens",
    "kv_reuse",
    "generated_tokens",
    "latency_ms",
    "ttft_ms",
    "server_overhead_ms",
)


async def stats(session: Session, show: Show) -> dict:
    show.step("The server's statistics: every request above")
    show.sent("workspace/executeCommand", "qwen.stats")
    editor = next(iter(session.editors.values()))
    found = await editor.stats()
    show.table([(key, str(found[key])) for key in STATS_SHOWN])
    return found
