"""A scripted editor: runs the real `qwen-lsp` over stdio and edits documents as an editor does.

Used by `make demo` (scripts/demo.py, scripts/demo_scenario.py) and the keystroke benchmarks
(scripts/bench_keystroke_path.py, scripts/bench_editors.py). It answers the server's requests
the way VS Code and Neovim do: work-done progress, `workspace/applyEdit` (a versioned edit for
another version is refused).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]
LOAD_TOKEN = "qwen-load-"  # the server's model-load progress tokens start so
Progress = Callable[[str, str], None]  # (progress title, the report's text)


@dataclass
class TypedCompletion:
    line: int
    character: int
    text: str
    round_trip_ms: float


def offset_at(text: str, position: types.Position) -> int:
    """The string offset of an LSP position (UTF-16 columns)."""
    start = 0
    for _ in range(position.line):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)]
    units = line.encode("utf-16-le")[: 2 * position.character]
    return start + len(units.decode("utf-16-le"))


def position_at(text: str, offset: int) -> types.Position:
    line_start = text.rfind("\n", 0, offset) + 1
    column = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=text.count("\n", 0, offset), character=column)


@dataclass
class Editor:
    """One open document, edited the way an editor sends it; typing inserts at the cursor."""

    client: LanguageClient
    uri: str
    text: str
    cursor: int = 0
    version: int = 1
    path: Path | None = None  # where `save` writes it

    @property
    def before(self) -> str:
        return self.text[: self.cursor]

    @property
    def after(self) -> str:
        return self.text[self.cursor :]

    def position(self, offset: int | None = None) -> types.Position:
        return position_at(self.text, self.cursor if offset is None else offset)

    def move_to(self, offset: int) -> None:
        """Put the cursor at `offset` (no change is sent)."""
        self.cursor = offset

    async def complete(self) -> TypedCompletion:
        """Ask for ghost text at the cursor."""
        here = self.position()
        started = time.perf_counter()
        result = await self.client.text_document_inline_completion_async(
            types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri),
                position=here,
                context=types.InlineCompletionContext(
                    trigger_kind=types.InlineCompletionTriggerKind.Automatic
                ),
            )
        )
        elapsed = (time.perf_counter() - started) * 1000
        items = list(result.items) if isinstance(result, types.InlineCompletionList) else []
        text = items[0].insert_text if items else ""
        return TypedCompletion(here.line, here.character, str(text), elapsed)

    def type(self, chars: str) -> None:
        """Insert `chars` at the cursor as one incremental change; the cursor follows."""
        self.replace(self.cursor, self.cursor, chars)

    def replace(self, start: int, end: int, new: str) -> None:
        """Replace text[start:end] with `new` as one incremental change (a new version)."""
        self.change([(start, end, new)])

    def change(self, spans: list[tuple[int, int, str]]) -> None:
        """Replace non-overlapping (start, end, new) spans of the text in one didChange, bottom
        span first so that each range still holds; a cursor after a span keeps its place."""
        changes = []
        for start, end, new in sorted(spans, key=lambda span: span[:2], reverse=True):
            rng = types.Range(start=self.position(start), end=self.position(end))
            changes.append(types.TextDocumentContentChangePartial(range=rng, text=new))
            self.text = self.text[:start] + new + self.text[end:]
            if self.cursor >= end:
                self.cursor += len(new) - (end - start)
        self.version += 1
        ident = types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=ident, content_changes=changes)
        )

    def apply(self, edit: types.WorkspaceEdit) -> bool:
        """Apply this document's part of a versioned workspace edit; False (nothing changed)
        when it was computed for another version."""
        changes = [
            c
            for c in edit.document_changes or []
            if isinstance(c, types.TextDocumentEdit) and c.text_document.uri == self.uri
        ]
        if edit.changes or any(c.text_document.version != self.version for c in changes):
            return False
        edits = [e for c in changes for e in c.edits if isinstance(e, types.TextEdit)]
        at = lambda p: offset_at(self.text, p)  # noqa: E731
        self.change([(at(e.range.start), at(e.range.end), e.new_text) for e in edits])
        return True

    async def code_actions(self, offset: int) -> list[types.CodeAction]:
        """The actions listed for a cursor at `offset` (no diagnostics)."""
        here = self.position(offset)
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri),
                range=types.Range(start=here, end=here),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        return [a for a in result or [] if isinstance(a, types.CodeAction)]

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        return await self.client.code_action_resolve_async(action)

    def save(self) -> None:
        """Write the text to disk, then tell the server (didSave)."""
        if self.path is not None:
            self.path.write_text(self.text, encoding="utf-8")
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(self.uri))
        )

    async def stats(self) -> dict:
        found = await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen.stats")
        )
        return dict(found or {})

    @property
    def server_pid(self) -> int | None:
        server = getattr(self.client, "_server", None)
        return getattr(server, "pid", None)


@dataclass
class Session:
    """The server process, what it told the editor, and the documents open in it."""

    client: LanguageClient
    root: Path
    editors: dict[str, Editor] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    applied: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)

    def open(self, name: str, text: str, language: str = "python", cursor: int = 0) -> Editor:
        """Open `name` (relative to the workspace root) with `text`, as didOpen."""
        path = self.root / name
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language, version=1, text=text
                )
            )
        )
        editor = Editor(self.client, uri, text, cursor, path=path)
        self.editors[uri] = editor
        return editor

    async def next_log(self, prefix: str, seen: int, timeout: float = 60) -> str:
        """The first window/logMessage after the first `seen` ones that starts with `prefix`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.logs[seen:] if line.startswith(prefix)]
            if found:
                return found[0]
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no log line starting {prefix!r} within {timeout} s")

    async def close(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


async def start_session(
    model: str,
    root: Path = REPO,
    *,
    settings: dict | None = None,
    on_progress: Progress | None = None,
) -> Session:
    """Start the server over stdio, initialize it for workspace `root`, wait for the model."""
    client = LanguageClient("qwen-lsp-demo", "1")
    session = Session(client, root)
    loaded = asyncio.get_running_loop().create_future()
    titles: dict[str, str] = {}

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def _progress(params: types.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else {}
        token = str(params.token)
        titles.setdefault(token, value.get("title", ""))
        report = value.get("message") or value.get("title") or ""
        pct = value.get("percentage")
        if on_progress and report:
            on_progress(titles[token], f"{report}{f' ({pct}%)' if pct is not None else ''}")
        if token.startswith(LOAD_TOKEN) and value.get("kind") == "end" and not loaded.done():
            loaded.set_result(value.get("message", ""))

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def _show(params: types.ShowMessageParams) -> None:
        session.logs.append(params.message)
        if params.type == types.MessageType.Error and not loaded.done():
            loaded.set_exception(RuntimeError(params.message))

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params: types.LogMessageParams) -> None:
        session.logs.append(params.message)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        uris = {c.text_document.uri for c in params.edit.document_changes or []}  # type: ignore[union-attr]
        ok = bool(uris) and all(u in session.editors for u in uris)
        ok = ok and all(session.editors[u].apply(params.edit) for u in uris)
        if ok:
            session.applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=ok, failure_reason=None if ok else "stale")

    await client.start_io(sys.executable, "-m", "qwen_lsp", "--stdio")
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
        ),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(),
            code_action=types.CodeActionClientCapabilities(
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
            ),
        ),
    )
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            initialization_options={"model": model, **(settings or {})},
        )
    )
    client.initialized(types.InitializedParams())
    await loaded
    return session


async def open_editor(
    model: str,
    path: str,
    before: str,
    after: str = "",
    *,
    settings: dict | None = None,
    on_progress: Progress | None = None,
) -> Editor:
    """Start a server on this repository, wait for the model, open `before + after` as `path`
    with the cursor between them."""
    session = await start_session(model, settings=settings, on_progress=on_progress)
    return session.open(path, before + after, cursor=len(before))


async def close_editor(editor: Editor) -> None:
    await editor.client.shutdown_async(None)
    editor.client.exit(None)
    await editor.client.stop()


def default_model() -> str:
    """$QWEN_LSP_MODEL, else the test model trained on tests/fixtures/corpus (the committed one,
    copied into build/ when it was made from the current code; trained anew when it was not)."""
    if model := os.environ.get("QWEN_LSP_MODEL"):
        return model
    out = REPO / "build" / "trained-model"
    corpus = sorted(str(p) for p in (REPO / "tests" / "fixtures" / "corpus").iterdir())
    committed = REPO / "tests" / "fixtures" / "trained-model"
    builder = [sys.executable, str(REPO / "scripts/make_tiny_model.py"), str(out), "--train"]
    command = [*builder, *corpus, "--committed", str(committed)]
    built = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if built.returncode:  # its warnings are noise on screen, its errors are not
        sys.exit(f"building the test model failed:\n{built.stderr.decode(errors='replace')}")
    return str(out)
