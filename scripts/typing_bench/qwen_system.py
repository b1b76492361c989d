"""qwen-lsp as its VS Code extension drives it: on each change the pending inlineCompletion
request is cancelled ($/cancelRequest) and a new one asked at once (the server waits
`completion.debounceMs` itself, and only before asking the model); shown items get
`textDocument/didShowCompletion`, Tab runs the item's command; switching to another file sends
`qwen/didFocus` with the cursor (clients/vscode/src/prewarm.ts).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from qwen_lsp.settings import CompletionSettings

from .servers import kill, model_env
from .user import Answer, Doc, System

STOP_TIMEOUT_S = 30
LOAD_TIMEOUT_S = 300


def position(text: str, offset: int) -> types.Position:
    line_start = text.rfind("\n", 0, offset) + 1
    column = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=text.count("\n", 0, offset), character=column)


def item_id(item: types.InlineCompletionItem) -> str | None:
    """The server's id of an item: its accept command's argument."""
    arguments = item.command.arguments if item.command else None
    return arguments[0] if arguments and isinstance(arguments[0], str) else None


CANCEL_TRANSIT_S = 0.25  # longer than a cancel takes to reach the server on loopback


class QwenLsp(System):
    name = "qwen-lsp"

    def __init__(
        self, model: str, root: Path, settings: dict | None = None, name: str = "qwen-lsp"
    ) -> None:
        self.model, self.root, self.settings, self.name = model, root, settings or {}, name
        self.client = LanguageClient("qwen-lsp-bench", "1")
        self.ids = itertools.count(1)
        self.pending: dict[str, int] = {}  # per document: the id of the request sent
        self.requests: list[asyncio.Task] = []
        self.superseded_answered = 0
        self.late_answers = 0  # answered before the server read the cancel: VS Code drops them
        self.errors: list[str] = []
        self.cancelled_ids: dict[int, float] = {}  # id → when the client cancelled it
        self.typed_at: dict[str, float] = {}  # per document: its last keystroke
        self.answered_ms: list[float] = []  # each answered request, from its keystroke
        # Each answer with a suggestion, cancelled or not: those qwen.stats counts latency of
        self.suggested_ms: list[float] = []
        self.felt_of: dict[str, float] = {}  # item id → ms from its keystroke to its answer

    worker_pid: int | None = None

    def uri(self, doc: Doc) -> str:
        return (self.root / doc.path).as_uri()

    async def start(self, docs: dict[str, Doc]) -> None:
        loaded = asyncio.get_running_loop().create_future()

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def _create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @self.client.feature(types.PROGRESS)
        def _progress(params: types.ProgressParams) -> None:
            value = params.value if isinstance(params.value, dict) else {}
            if value.get("kind") == "end" and not loaded.done():
                loaded.set_result(True)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def _show(params: types.ShowMessageParams) -> None:
            if params.type == types.MessageType.Error:
                self.errors.append(params.message)
                if not loaded.done():
                    loaded.set_exception(RuntimeError(params.message))

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params: types.LogMessageParams) -> None:
            pass

        await self.client.start_io(sys.executable, "-m", "qwen_lsp", "--stdio", env=model_env())
        capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                inline_completion=types.InlineCompletionClientCapabilities()
            ),
        )
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=capabilities,
                root_uri=self.root.as_uri(),
                initialization_options={"model": self.model, **self.settings},
            )
        )
        self.client.initialized(types.InitializedParams())
        await asyncio.wait_for(loaded, LOAD_TIMEOUT_S)
        for doc in docs.values():
            self.client.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=self.uri(doc), language_id="python", version=doc.version, text=doc.text
                    )
                )
            )

    def _cancel(self, doc: Doc) -> None:
        """VS Code cancels the pending request on the next change."""
        if (msg_id := self.pending.pop(doc.path, None)) is not None:
            self.cancelled_ids[msg_id] = time.perf_counter()
            self.client.protocol.notify("$/cancelRequest", types.CancelParams(id=msg_id))

    async def edit(self, doc: Doc, old: str, start: int, end: int, text: str) -> None:
        self.typed_at[doc.path] = time.perf_counter()  # the keystroke: before the editor sends
        self._cancel(doc)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=position(old, start), end=position(old, end)), text=text
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri(doc), version=doc.version
                ),
                content_changes=[change],
            )
        )
        self.pending[doc.path] = msg_id = next(self.ids)
        self.requests.append(asyncio.create_task(self._request(doc, msg_id)))

    async def _request(self, doc: Doc, msg_id: int) -> None:
        version, typed_at = doc.version, self.typed_at.get(doc.path, time.perf_counter())
        params = types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri(doc)),
            position=position(doc.text, doc.cursor),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
        )
        try:
            result = await self.client.protocol.send_request_async(
                types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id
            )
        except Exception as exc:  # a cancelled request is answered with an error: expected
            if msg_id not in self.cancelled_ids:
                self.errors.append(f"inlineCompletion: {exc!r}")
            return
        received = time.perf_counter()
        items = list(getattr(result, "items", None) or [])
        if items:
            self.suggested_ms.append((received - typed_at) * 1000)
            if (key := item_id(items[0])) is not None:
                self.felt_of[key] = (received - typed_at) * 1000
        if msg_id in self.cancelled_ids:
            # An answer already on its way when the cancel left is allowed (LSP) and dropped by
            # the client; one that comes long after the cancel means the server ignored it.
            ignored = time.perf_counter() - self.cancelled_ids[msg_id] > CANCEL_TRANSIT_S
            self.superseded_answered += bool(items) and ignored
            self.late_answers += bool(items) and not ignored
            return
        if self.pending.get(doc.path) == msg_id:
            self.pending.pop(doc.path)
        self.answered_ms.append((received - typed_at) * 1000)
        item = items[0] if items else None
        self.on_answer(doc.path, version, str(item.insert_text) if item else "", item)

    async def moved(self, doc: Doc, switched: bool) -> None:
        """The extension names the editor that became active, and its cursor (pre-warm)."""
        if switched:
            where = {"uri": self.uri(doc)}
            at = position(doc.text, doc.cursor)
            self.client.protocol.notify(
                "qwen/didFocus",
                {"textDocument": where, "position": {"line": at.line, "character": at.character}},
            )

    async def shown(self, doc: Doc, answer: Answer) -> None:
        if answer.item is not None:  # Copilot's protocol: acceptance telemetry (issue 18)
            item = self.client.protocol._converter.unstructure(answer.item)
            params = {"item": item}
            if (felt := self.felt_of.pop(item_id(answer.item) or "", None)) is not None:
                params["feltMs"] = round(felt, 2)  # ours: what the person waited for it
            self.client.protocol.notify("textDocument/didShowCompletion", params)

    async def accepted(self, doc: Doc, answer: Answer) -> None:
        command = getattr(answer.item, "command", None)
        if command is not None:
            await self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
            )

    async def work_mark(self) -> dict:
        return await self.stats()

    async def work_since(self, mark: dict) -> tuple[int, int, float]:
        """An answer given early (`completion.answerWithinMs`) counts the tokens generated
        before it; on a faster machine it would still come no sooner than the box says."""
        now = await self.stats()
        uncached = (now["prompt_tokens"] - now["reused_prompt_tokens"]) - (
            mark["prompt_tokens"] - mark["reused_prompt_tokens"]
        )
        early = now.get("early_answers", 0) > mark.get("early_answers", 0)
        box_ms = self._completion("answerWithinMs", CompletionSettings().answer_within_ms)
        return uncached, now["generated_tokens"] - mark["generated_tokens"], box_ms * early

    async def stats(self) -> dict:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="qwen.stats")
        )

    async def figures(self) -> dict:
        for path in list(self.pending):  # the person moves on: the editor cancels what is left
            self._cancel(Doc(path, ""))
        await asyncio.wait(self.requests, timeout=STOP_TIMEOUT_S) if self.requests else None
        stats = await asyncio.wait_for(self.stats(), STOP_TIMEOUT_S)
        worker = stats.get("worker", {})
        return {
            "stats": stats,
            "pids": {"server": self.server_pid, "worker": worker.get("pid")},
            "superseded_answered": self.superseded_answered,
            "late_answers": self.late_answers,
            "answered_ms": self.answered_ms,
            "suggested_ms": self.suggested_ms,
            "server_wait_ms": self.server_wait_ms,
            "errors": self.errors
            + ([f"{stats['errors']} failed model calls"] if stats.get("errors") else []),
        }

    @property
    def server_wait_ms(self) -> float:
        """The server's wait before asking the model (`completion.debounceMs`) in this run."""
        return float(self._completion("debounceMs", CompletionSettings().debounce_ms))

    def _completion(self, key: str, default: int) -> int:
        """This run's `completion.<key>`, the server's default where the run sets none."""
        return (self.settings.get("completion") or {}).get(key, default)

    @property
    def server_pid(self) -> int | None:
        return getattr(getattr(self.client, "_server", None), "pid", None)

    async def stop(self) -> None:
        """Shut down; a server still busy after STOP_TIMEOUT_S is killed with its worker."""
        worker = self.worker_pid
        try:
            await asyncio.wait_for(self.client.shutdown_async(None), STOP_TIMEOUT_S)
            self.client.exit(None)
            await asyncio.wait_for(self.client.stop(), STOP_TIMEOUT_S)
        except (TimeoutError, RuntimeError):
            for pid in (worker, self.server_pid):
                kill(pid)
