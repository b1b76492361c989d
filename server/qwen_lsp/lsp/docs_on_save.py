"""Documentation on save (`docs.onSave`) and on demand (`qwen.generateDocs`).

On didSave, the undocumented definitions in the regions changed since the last save (plus any
still owed from an earlier save) are documented through the model's set_docstring calls and sent
with `workspace/applyEdit` against the saved version. If the user typed meanwhile the edit is
dropped, never rebased: those definitions stay owed and are retried on the next save.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.workspace import TextDocument

from ..engine import actions as engine
from ..engine.line_edits import LineEdit, merge_edits
from ..engine.save_tracker import SaveTracker
from .action_run import run, tell, tell_refused, unchanged
from .positions import document_path
from .progress import Report, with_progress
from .server import QwenLanguageServer
from .workspace_edits import workspace_edit

log = logging.getLogger("qwen_lsp")
GENERATE = "qwen.generateDocs"
DROPPED = "dropped: the text changed"
REFUSED = "refused by the editor "


def register(server: QwenLanguageServer) -> None:
    docs = DocsOnSave()

    def on_open(ls: QwenLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        if ls.settings.docs.on_save:  # the text as opened, kept only for docs on save
            docs.tracker.opened(params.text_document.uri, params.text_document.text)

    def on_close(ls: QwenLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        docs.tracker.closed(params.text_document.uri)

    def on_save(ls: QwenLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        docs.saved(ls, params.text_document.uri)

    async def generate(ls: QwenLanguageServer, *args: Any) -> dict:
        return await docs.generate(ls, *args)

    events = server.document_events
    events.opened.append(on_open)
    events.closed.append(on_close)
    events.saved.append(on_save)
    server.command(GENERATE)(generate)


class DocsOnSave:
    """One queue per document: a run at a time, and at most one save waiting behind it (it
    reads the text when its turn comes, so rapid saves collapse into one run)."""

    def __init__(self) -> None:
        self.tracker = SaveTracker()
        self.locks: dict[str, asyncio.Lock] = {}
        self.waiting: set[str] = set()

    def saved(self, ls: QwenLanguageServer, uri: str) -> None:
        if not ls.settings.docs.on_save:
            self.tracker.closed(uri)  # nothing to compare against later: no copy kept
        elif uri not in self.waiting:
            self.waiting.add(uri)
            ls.background(self.queued(ls, uri, whole_file=False))  # never holds up the save

    async def generate(self, ls: QwenLanguageServer, *args: Any) -> dict:
        arg = args[0] if args else None
        uri = arg.get("uri") if isinstance(arg, dict) else arg
        if not isinstance(uri, str) or uri not in ls.workspace.text_documents:
            return {"documented": 0, "applied": False, "message": "give an open document's uri"}
        result = await self.queued(ls, uri, whole_file=True)
        if result["message"] == DROPPED:  # asked for: say why nothing changed
            tell(ls, None, stale=True)
        elif result["message"].startswith(REFUSED):
            reason = result["message"].removeprefix(REFUSED).strip("()")
            tell_refused(ls, "documentation", reason)
        return result

    async def queued(self, ls: QwenLanguageServer, uri: str, whole_file: bool) -> dict:
        async with self.locks.setdefault(uri, asyncio.Lock()):
            if not whole_file:
                self.waiting.discard(uri)
            try:
                result = await self.document(ls, uri, whole_file)
            except Exception as exc:  # a background job must never take the server down
                log.exception("documentation run failed")
                result = {"documented": 0, "applied": False, "message": str(exc)}
            what = result["message"] or f"{result['documented']} documented"
            ls.log_to_client(f"qwen-lsp docs: {uri}: {what}")
            return result

    async def document(self, ls: QwenLanguageServer, uri: str, whole_file: bool) -> dict:
        doc = ls.workspace.get_text_document(uri)
        version, text, language = doc.version, doc.source, doc.language_id or ""
        limit = ls.settings.docs.max_per_save
        plan = (self.tracker.plan_all if whole_file else self.tracker.plan)(
            uri, language, text, limit
        )
        if not plan:  # nothing changed or nothing undocumented: no model call
            return {"documented": 0, "applied": False, "message": "nothing to document"}
        written: list[tuple[str, list[LineEdit]]] = []

        async def work(report: Report) -> None:
            for i, d in enumerate(plan):
                if not unchanged(ls, doc, version):
                    return  # the user typed: this run's edits could not land anyway
                report(f"{d.qualname} ({i + 1}/{len(plan)})")
                offer, path = engine.docstring_offer(d), document_path(ls, uri)
                req = engine.request_for(offer, path, language, text, ls.settings.docs.style)
                outcome = await run(ls, req, report, origin="docs")
                if outcome.ok:
                    written.append((d.qualname, outcome.edits))
                else:
                    log.info("no documentation for %s: %s", d.qualname, outcome.message)

        if not await self._capped(ls, work):
            return {"documented": 0, "applied": False, "message": "cancelled"}
        return await self.apply(ls, doc, version, written)

    async def _capped(self, ls: QwenLanguageServer, work: Callable[[Report], Awaitable]) -> bool:
        """`work` under cancellable progress and the per-save time cap. False: the user
        cancelled (nothing is applied); at the cap, what was written so far is kept."""
        cap = ls.settings.docs.timeout_s

        async def capped(report: Report) -> bool:
            try:
                await asyncio.wait_for(work(report), cap)
            except TimeoutError:
                log.info("documentation run hit the %d s cap", cap)
            return True

        return bool(await with_progress(ls, "Qwen: writing documentation", capped))

    async def apply(
        self,
        ls: QwenLanguageServer,
        doc: TextDocument,
        version: int | None,
        written: list[tuple[str, list[LineEdit]]],
    ) -> dict:
        """Send the edits against the saved version, or drop them if the user typed since."""
        edits, names = merge_edits(written)
        if not edits:
            return {"documented": 0, "applied": False, "message": "the model wrote nothing"}
        if not unchanged(ls, doc, version):
            ls.stats.stale += 1
            return {"documented": 0, "applied": False, "message": DROPPED}
        edit = workspace_edit(doc, version, edits)
        params = types.ApplyWorkspaceEditParams(edit=edit, label="Qwen: documentation")
        result = await ls.workspace_apply_edit_async(params)
        if not result.applied:  # still owed: retried on the next save
            reason = f"{REFUSED}({result.failure_reason or 'no reason given'})"
            return {"documented": 0, "applied": False, "message": reason}
        self.tracker.done(doc.uri, names)
        return {"documented": len(names), "applied": True, "message": ""}
