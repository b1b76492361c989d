"""A scripted editor: runs the real `qwen-lsp` over stdio and types into a document.

Used by `make demo` (scripts/demo.py).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[1]


@dataclass
class TypedCompletion:
    line: int
    character: int
    text: str
    round_trip_ms: float


@dataclass
class Editor:
    """One open document in one server, edited the way an editor sends it.

    The cursor sits between `before` and `after`; typing inserts at the cursor.
    """

    client: LanguageClient
    uri: str
    before: str
    after: str = ""
    version: int = 1

    @property
    def text(self) -> str:
        return self.before + self.after

    def cursor(self) -> types.Position:
        line_start = self.before.rfind("\n") + 1
        column = len(self.before[line_start:].encode("utf-16-le")) // 2
        return types.Position(line=self.before.count("\n"), character=column)

    async def complete(self) -> TypedCompletion:
        """Ask for ghost text at the cursor."""
        here = self.cursor()
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
        """Insert `chars` at the cursor as one incremental change."""
        here = self.cursor()
        self.version += 1
        self.before += chars
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=here, end=here), text=chars
                    )
                ],
            )
        )

    def move(self, chars: int) -> None:
        """Move the cursor forward over existing text (no change is sent)."""
        self.before, self.after = self.before + self.after[:chars], self.after[chars:]

    async def stats(self) -> dict:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen.stats")
        )

    @property
    def server_pid(self) -> int | None:
        server = getattr(self.client, "_server", None)
        return getattr(server, "pid", None)


async def open_editor(
    model: str,
    path: str,
    before: str,
    after: str = "",
    *,
    settings: dict | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> Editor:
    """Start the server, wait for the model to load, and open `text` as `path`."""
    client = LanguageClient("qwen-lsp-demo", "1")
    messages: list[str] = []
    loaded = asyncio.get_running_loop().create_future()

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def _progress(params: types.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else {}
        report = value.get("message") or value.get("title") or ""
        if on_progress and report:
            pct = value.get("percentage")
            on_progress(f"{report}{f' ({pct}%)' if pct is not None else ''}")
        if value.get("kind") == "end" and not loaded.done():
            loaded.set_result(value.get("message", ""))

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def _show(params: types.ShowMessageParams) -> None:
        messages.append(params.message)
        if params.type == types.MessageType.Error and not loaded.done():
            loaded.set_exception(RuntimeError(params.message))

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params: types.LogMessageParams) -> None:
        pass

    await client.start_io(sys.executable, "-m", "qwen_lsp", "--stdio")
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities()
        ),
    )
    await client.initialize_async(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=REPO.as_uri(),
            initialization_options={"model": model, **(settings or {})},
        )
    )
    client.initialized(types.InitializedParams())
    await loaded
    uri = (REPO / path).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=before + after
            )
        )
    )
    return Editor(client, uri, before, after)


async def close_editor(editor: Editor) -> None:
    await editor.client.shutdown_async(None)
    editor.client.exit(None)
    await editor.client.stop()


def default_model() -> str:
    """$QWEN_LSP_MODEL, else the test model trained on tests/fixtures/corpus (built once)."""
    if model := os.environ.get("QWEN_LSP_MODEL"):
        return model
    out = REPO / "build" / "trained-model"
    corpus = sorted(str(p) for p in (REPO / "tests" / "fixtures" / "corpus").iterdir())
    if not (out / "config.json").exists():
        print("Training the small test model on tests/fixtures/corpus (once, a few minutes) …")
    # The builder returns at once when the model there was made from the same inputs.
    builder = [sys.executable, str(REPO / "scripts/make_tiny_model.py"), str(out), "--train"]
    subprocess.run([*builder, *corpus], check=True, stdout=subprocess.DEVNULL)
    return str(out)
