"""Typing load against the real server and worker: many keystrokes, cancellations, big files.

An editor's traffic: each keystroke is a didChange and an inline completion request, and the
previous request of that document, still unanswered, is cancelled ($/cancelRequest) as VS Code
does. Shared by tests/protocol/test_load.py (short) and scripts/bench_load.py (10,000 keystrokes,
a 10 MB file, a 2 MB minified line, 50 open documents).
"""

from __future__ import annotations

import random
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from .raw_client import RawClient

STDLIB = Path(sysconfig.get_paths()["stdlib"])
ROOT_URI = "file:///load-test"
CANCELLED = -32800  # LSP's RequestCancelled: an answer, as a result is


def stdlib_files(count: int) -> list[Path]:
    """`count` ordinary stdlib modules (20-120 KB), the same ones on every run."""
    found = [p for p in sorted(STDLIB.glob("*.py")) if 20_000 <= p.stat().st_size <= 120_000]
    if len(found) < count:
        raise SystemExit(f"only {len(found)} stdlib modules of 20-120 KB, {count} asked for")
    return found[:count]


def big_python(chars: int) -> str:
    """About `chars` characters of real Python (stdlib modules, repeated), ending in a newline;
    non-ASCII as real code has it."""
    parts, size = [], 0
    for path in sorted(STDLIB.glob("*.py")):
        parts.append(path.read_text(encoding="utf-8", errors="replace"))
        size += len(parts[-1])
        if size >= chars:
            break
    text = "".join(parts)
    while len(text) < chars:
        text += text
    return text[: text.index("\n", chars) + 1]


def minified_js(chars: int) -> str:
    """One line of `chars` characters of minified-looking JavaScript."""
    piece = "".join(f"var a{i}=function(b,c){{return b*{i}+c.x{i % 7}}};" for i in range(5000))
    return (piece * (chars // len(piece) + 1))[:chars]


def rss_kb(pid: int | None) -> int:
    """Resident memory of a process, in KiB (Linux /proc), 0 when unknown."""
    if not pid:
        return 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Document:
    uri: str
    lines: list[str]  # the text as the server has it, one entry per line (no newlines)
    line: int
    col: int
    version: int = 1
    pending: int | None = None  # the last completion request, not known to be answered


@dataclass
class LoadReport:
    keystrokes: int = 0
    requests: int = 0
    cancels: int = 0
    results: int = 0
    cancelled: int = 0  # answered with RequestCancelled
    errors: list[dict] = field(default_factory=list)  # any other error answer
    suggestions: int = 0


class Typist:
    """Types into documents open in `client`, asking for ghost text after every keystroke."""

    def __init__(self, client: RawClient, seed: int = 17, enter_rate: float = 0.08) -> None:
        self.client = client
        self.enter_rate = enter_rate  # 0 keeps a minified line one line
        self.random = random.Random(seed)
        self.documents: list[Document] = []
        self.report = LoadReport()
        self._outstanding: list[int] = []

    def open(self, name: str, text: str, language: str = "python", at: float = 0.5) -> Document:
        """didOpen `name`; the cursor goes to the end of the line at fraction `at` of the text
        (on a minified line: before the next `;` there, where ghost text is asked for)."""
        uri = f"{ROOT_URI}/{name}"
        self.client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
        )
        lines = text.split("\n")
        line = text.count("\n", 0, int(len(text) * at))
        col = len(lines[line])
        if col >= 10_000:  # a minified line
            col = text.index(";", int(len(text) * at))
        document = Document(uri, lines, line, min(col, len(lines[line])))
        self.documents.append(document)
        return document

    def close_all(self) -> None:
        for document in self.documents:
            self.client.notify("textDocument/didClose", {"textDocument": {"uri": document.uri}})
        self.documents.clear()

    def keystroke(self, document: Document, wait: bool = False) -> None:
        """One key (mostly a character, sometimes Enter or Backspace), then a completion
        request; the document's previous request is cancelled if not answered yet."""
        roll = self.random.random()
        if roll < self.enter_rate:
            self._change(document, document.col, "\n")
        elif roll < self.enter_rate + 0.1 and document.col > 0:
            self._change(document, document.col - 1, "")
        else:
            self._change(document, document.col, self.random.choice("abcdefxyz_(). =:,0123"))
        if document.pending is not None and document.pending not in self.client.answers:
            self.client.notify("$/cancelRequest", {"id": document.pending})
            self.report.cancels += 1
        document.pending = self.client.start(
            "textDocument/inlineCompletion",
            {
                "textDocument": {"uri": document.uri},
                "position": {"line": document.line, "character": document.col},
                "context": {"triggerKind": 2},
            },
        )
        self._outstanding.append(document.pending)
        self.report.requests += 1
        self.report.keystrokes += 1
        if wait or len(self._outstanding) > 200:
            self.settle()

    def type(self, keystrokes: int, *, burst: int = 40, wait_every: int = 10) -> None:
        """`keystrokes` keys in bursts of about `burst` per document; every `wait_every`-th
        keystroke waits for all answers (a typist pausing), the others race ahead."""
        document = self.documents[0]
        for i in range(keystrokes):
            if i % burst == 0:
                document = self.random.choice(self.documents)
            self.keystroke(document, wait=(i + 1) % wait_every == 0)
        self.settle()

    def settle(self, timeout: float = 120) -> None:
        """Wait for the answer to every request sent so far (AssertionError if one never comes)."""
        for answer in self.client.wait(self._outstanding, timeout):
            error = answer.get("error")
            if error is None:
                self.report.results += 1
                items = (answer.get("result") or {}).get("items") or []
                self.report.suggestions += bool(items)
            elif error.get("code") == CANCELLED:
                self.report.cancelled += 1
            else:
                self.report.errors.append(error)
        self._outstanding.clear()

    def _change(self, document: Document, start_col: int, new: str) -> None:
        """Replace [start_col, cursor) of the cursor's line with `new` (Enter splits the line)."""
        line = document.lines[document.line]
        document.version += 1
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": document.uri, "version": document.version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": document.line, "character": start_col},
                            "end": {"line": document.line, "character": document.col},
                        },
                        "text": new,
                    }
                ],
            },
        )
        head, tail = line[:start_col], line[document.col :]
        if new == "\n":
            document.lines[document.line : document.line + 1] = [head, tail]
            document.line, document.col = document.line + 1, 0
        else:
            document.lines[document.line] = head + new + tail
            document.col = start_col + len(new)


def stats(client: RawClient) -> dict:
    answer = client.request("workspace/executeCommand", {"command": "qwen.stats"}, timeout=120)
    return answer["result"]


def wait_until_ready(client: RawClient, timeout: float = 120) -> dict:
    """qwen.stats once the model worker is ready (it loads in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        current = stats(client)
        state = current["worker"]["state"]
        if state == "ready":
            return current
        if state == "failed" or time.monotonic() > deadline:
            raise AssertionError(f"worker not ready: {current['worker']}")
        time.sleep(0.2)


def quiet_stats(client: RawClient, baseline: dict, timeout: float = 20) -> dict:
    """qwen.stats once the server's tasks and threads are back to `baseline`'s counts (work
    still winding down gets `timeout` seconds); the last reading when they never are."""
    deadline = time.monotonic() + timeout
    want = baseline["event_loop"]
    while True:
        current = stats(client)
        loop = current["event_loop"]
        if loop["tasks"] <= want["tasks"] and loop["threads"] <= want["threads"]:
            return current
        if time.monotonic() > deadline:
            return current
        time.sleep(0.2)
