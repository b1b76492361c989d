"""Resolving Add docstring / Fix / Write tests (`codeAction/resolve`) into a versioned edit."""

from __future__ import annotations

from lsprotocol import types

from ..engine import actions as engine
from .action_run import request_from, run, tell, unchanged
from .progress import with_progress
from .server import QwenLanguageServer
from .workspace_edits import workspace_edit


async def resolve_code_action(ls: QwenLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("kind") not in (engine.DOCSTRING, engine.FIX, engine.TESTS):
        return action
    doc, req = request_from(ls, data)
    version = data.get("version")
    if not unchanged(ls, doc, version):
        tell(ls, None, stale=True)
        return action
    outcome = await with_progress(ls, action.title, lambda report: run(ls, req, report))
    if outcome is not None and outcome.ok and unchanged(ls, doc, version):
        action.edit = workspace_edit(doc, version, outcome.edits)
    else:
        tell(ls, outcome, stale=not unchanged(ls, doc, version))
    return action
