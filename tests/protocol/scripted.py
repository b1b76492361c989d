"""The real server object and handlers in-process, with a scripted model in place of the worker.

The random-weight test model never calls a tool, so the paths that need a well-formed tool call
(edits placed, versions checked, edits dropped) are driven here with answers we choose.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace import Workspace

from qwen_lsp import messages as m
from qwen_lsp.backend import BackendState, WorkerSpec
from qwen_lsp.lsp import create_server
from qwen_lsp.lsp.server import QwenLanguageServer

from .editor import apply_text_edits

Answer = Callable[[m.Chat], m.Done]


def document_symbol(chat: m.Chat) -> m.Done:
    """A model that documents whatever symbol the prompt asks for."""
    user = next(x["content"] for x in chat.messages if x["role"] == "user")
    symbol = re.search(r"with symbol `([^`]+)`", user)
    name = symbol.group(1) if symbol else "?"
    call = m.ToolCall("set_docstring", {"symbol": name, "docstring": f"Describe {name}.\n\nMore."})
    return m.Done(id=chat.id, text="", finish_reason="stop", tool_calls=[call])


class ScriptedBackend:
    state = BackendState.READY
    configured = True
    retry_at = None
    pid = None
    error = ""

    def __init__(self, answer: Answer = document_symbol) -> None:
        self.spec = WorkerSpec(model="scripted")
        self.answer = answer
        self.requests: list[m.Chat] = []
        self.before_answer: Callable[[m.Chat], Awaitable[None]] | None = None
        self.completion = ""  # what a fill-in-the-middle request gets

    async def request(
        self, message: m.Generate | m.Chat, on_chunk: Any = None, on_early: Any = None
    ) -> m.Done:
        if isinstance(message, m.Generate):  # at once: never an early answer
            return m.Done(id=message.id, text=self.completion, finish_reason="stop")
        self.requests.append(message)
        await asyncio.sleep(0)
        if self.before_answer is not None:
            await self.before_answer(message)
        return self.answer(message)


class Harness:
    def __init__(self, settings: dict, root: str = "/work/demo") -> None:
        self.backend = ScriptedBackend()
        self.ls: QwenLanguageServer = create_server()
        self.ls.backend = self.backend  # type: ignore[assignment]
        self.ls.protocol._workspace = Workspace(from_fs_path(root))
        self.ls.protocol.client_capabilities = types.ClientCapabilities()
        self.ls.apply_settings(settings)
        self.messages: list[str] = []
        self.applied: list[types.WorkspaceEdit] = []
        self.refused: list[types.WorkspaceEdit] = []
        self.ls.notify_user = lambda kind, text: self.messages.append(text)  # type: ignore[method-assign]
        self.ls.workspace_apply_edit_async = self._apply  # type: ignore[method-assign]
        self.features = self.ls.protocol.fm.features

    def open(self, uri: str, text: str, language: str) -> None:
        item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
        self.ls.workspace.put_text_document(item)
        self.features[types.TEXT_DOCUMENT_DID_OPEN](types.DidOpenTextDocumentParams(item))

    def text(self, uri: str) -> str:
        return self.ls.workspace.get_text_document(uri).source

    def version(self, uri: str) -> int:
        return self.ls.workspace.get_text_document(uri).version or 0

    def type_text(self, uri: str, text: str) -> None:
        """The user replaces the text (a new version), as didChange would."""
        ident = types.VersionedTextDocumentIdentifier(uri=uri, version=self.version(uri) + 1)
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.ls.workspace.update_text_document(ident, change)

    async def save(self, uri: str) -> None:
        params = types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri))
        self.features[types.TEXT_DOCUMENT_DID_SAVE](params)
        await self.settle()

    async def settle(self) -> None:
        while pending := list(self.ls._background):
            await asyncio.gather(*pending)

    async def command(self, name: str, *args: Any) -> Any:
        result = self.ls.protocol.fm.commands[name](*args)
        return await result if asyncio.iscoroutine(result) else result

    async def _apply(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        ok = True
        for change in params.edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            uri = change.text_document.uri
            if change.text_document.version != self.version(uri):
                ok = False
                continue
            self.type_text(uri, apply_text_edits(self.text(uri), list(change.edits)))
        (self.applied if ok else self.refused).append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=ok)
