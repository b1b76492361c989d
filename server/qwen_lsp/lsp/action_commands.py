"""The `qwen.refactor` and `qwen.explain` commands: a model run, then an applied edit or a
markdown document."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from ..engine import actions as engine
from .action_run import request_from, run, tell, tell_refused, unchanged
from .explanations import write_explanation
from .progress import with_progress
from .server import QwenLanguageServer
from .workspace_edits import workspace_edit

REFACTOR = "qwen.refactor"
EXPLAIN = "qwen.explain"


async def refactor(ls: QwenLanguageServer, *args: Any) -> dict:
    data = {**_first(args), "kind": engine.REFACTOR}
    if not str(data.get("instruction", "")).strip():
        ls.notify_user(types.MessageType.Warning, "qwen-lsp: Refactor needs an instruction.")
        return {"applied": False, "message": "no instruction"}
    doc, req = request_from(ls, data)
    version = data.setdefault("version", doc.version)
    stale = {"applied": False, "message": "the document changed"}
    if not unchanged(ls, doc, version):
        tell(ls, None, stale=True)
        return stale
    outcome = await with_progress(ls, "Qwen: refactoring", lambda report: run(ls, req, report))
    if not unchanged(ls, doc, version):
        tell(ls, None, stale=True)
        return stale
    if outcome is None or not outcome.ok:
        tell(ls, outcome, stale=False)
        return {"applied": False, "message": outcome.message if outcome else "cancelled"}
    edit = workspace_edit(doc, version, outcome.edits)
    params = types.ApplyWorkspaceEditParams(edit=edit, label="Qwen: refactor")
    result = await ls.workspace_apply_edit_async(params)
    # In the log: an edit that rewrites lines as they were changes nothing the user can see.
    done = "applied" if result.applied else f"refused ({result.failure_reason or 'no reason'})"
    ls.log_to_client(f"qwen-lsp refactor: {doc.uri}: edit {done}")
    if not result.applied:
        tell_refused(ls, "refactoring", result.failure_reason)
    return {"applied": result.applied, "message": result.failure_reason or ""}


async def explain(ls: QwenLanguageServer, *args: Any) -> dict:
    _, req = request_from(ls, {**_first(args), "kind": engine.EXPLAIN})
    outcome = await with_progress(ls, "Qwen: explaining", lambda report: run(ls, req, report))
    if outcome is None or not outcome.ok:
        tell(ls, outcome, stale=False)
        return {"markdown": "", "uri": None}
    uri = write_explanation(req, outcome.message)
    caps = ls.client_capabilities.window
    if caps and caps.show_document and caps.show_document.support:
        await ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True))
    else:  # no showDocument: the message window still shows markdown as text
        ls.notify_user(types.MessageType.Info, outcome.message)
    return {"markdown": outcome.message, "uri": uri}


def _first(args: tuple[Any, ...]) -> dict:
    return dict(args[0]) if args and isinstance(args[0], dict) else {}
