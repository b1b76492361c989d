"""Code actions: listed at once (no model call), resolved by a model run with tool calls.

Add docstring / Fix / Write tests are resolved by `codeAction/resolve` into a versioned edit.
Explain and Refactor… are commands: Refactor needs the user's instruction (the clients ask for it
and pass it as `instruction`), Explain opens its answer as a markdown document.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.uris import from_fs_path
from pygls.workspace import TextDocument

from .. import messages as m
from ..engine import actions as engine
from ..engine.docs import language_of
from ..engine.tool_edits import LineEdit, to_ranges
from ..errors import QwenError
from .positions import document_path, open_document
from .server import QwenLanguageServer

log = logging.getLogger("qwen_lsp")
T = TypeVar("T")
Report = Callable[[str], None]

REFACTOR = "qwen.refactor"
EXPLAIN = "qwen.explain"
_CODE_KIND = {
    engine.FIX: types.CodeActionKind.QuickFix,
    engine.DOCSTRING: "refactor.rewrite.qwen.docstring",
    engine.REFACTOR: "refactor.rewrite.qwen.refactor",
    engine.TESTS: "refactor.qwen.tests",
    engine.EXPLAIN: "refactor.qwen.explain",
}
_COMMANDS = {engine.REFACTOR: REFACTOR, engine.EXPLAIN: EXPLAIN}


def register(server: QwenLanguageServer) -> None:
    kinds = sorted({types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor})
    options = types.CodeActionOptions(code_action_kinds=kinds, resolve_provider=True)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(code_actions)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve_code_action)
    server.command(REFACTOR)(refactor)
    server.command(EXPLAIN)(explain)


def code_actions(ls: QwenLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    doc = open_document(ls, params.text_document.uri)
    if doc is None or not ls.settings.actions.enabled:
        return []
    start, end = params.range.start, params.range.end
    last = end.line - 1 if end.character == 0 and end.line > start.line else end.line
    diags = [
        engine.Diagnostic(d.range.start.line, d.range.end.line, d.message)
        for d in params.context.diagnostics
    ]
    offers = engine.offers(doc.language_id or "", doc.source, start.line, last, start != end, diags)
    fixed = iter(params.context.diagnostics)  # one Fix per diagnostic, in their order
    out = []
    for offer in offers:
        action = _code_action(offer, doc)
        if offer.kind == engine.FIX:
            action.diagnostics = [next(fixed)]
        only = params.context.only
        if not only or any(_CODE_KIND[offer.kind].startswith(k) for k in only):
            out.append(action)
    return out


def _code_action(offer: engine.Offer, doc: TextDocument) -> types.CodeAction:
    data = {"uri": doc.uri, "version": doc.version, **vars(offer)}
    action = types.CodeAction(title=offer.title, kind=_CODE_KIND[offer.kind], data=data)
    if offer.kind in _COMMANDS:  # run as a command: no edit to resolve
        action.command = types.Command(offer.title, _COMMANDS[offer.kind], arguments=[data])
    return action


async def resolve_code_action(ls: QwenLanguageServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("kind") not in (engine.DOCSTRING, engine.FIX, engine.TESTS):
        return action
    doc, req = request_from(ls, data)
    if doc.version != data.get("version"):
        _tell(ls, None, stale=True)
        return action
    outcome = await with_progress(ls, action.title, lambda report: run(ls, req, report))
    if outcome is not None and outcome.ok and doc.version == data.get("version"):
        action.edit = workspace_edit(doc, data.get("version"), outcome.edits)
    else:
        _tell(ls, outcome, stale=doc.version != data.get("version"))
    return action


async def refactor(ls: QwenLanguageServer, *args: Any) -> dict:
    data = {**_first(args), "kind": engine.REFACTOR}
    if not str(data.get("instruction", "")).strip():
        ls.notify_user(types.MessageType.Warning, "qwen-lsp: Refactor needs an instruction.")
        return {"applied": False, "message": "no instruction"}
    doc, req = request_from(ls, data)
    version = data.setdefault("version", doc.version)
    if doc.version != version:
        _tell(ls, None, stale=True)
        return {"applied": False, "message": "the document changed"}
    outcome = await with_progress(ls, "Qwen: refactoring", lambda report: run(ls, req, report))
    if outcome is None or not outcome.ok or doc.version != version:
        _tell(ls, outcome, stale=doc.version != version)
        return {"applied": False, "message": outcome.message if outcome else "cancelled"}
    edit = workspace_edit(doc, version, outcome.edits)
    params = types.ApplyWorkspaceEditParams(edit=edit, label="Qwen: refactor")
    result = await ls.workspace_apply_edit_async(params)
    # In the log: an edit that rewrites lines as they were changes nothing the user can see.
    done = "applied" if result.applied else f"refused ({result.failure_reason or 'no reason'})"
    ls.log_to_client(f"qwen-lsp refactor: {doc.uri}: edit {done}")
    return {"applied": result.applied, "message": result.failure_reason or ""}


async def explain(ls: QwenLanguageServer, *args: Any) -> dict:
    _, req = request_from(ls, {**_first(args), "kind": engine.EXPLAIN})
    outcome = await with_progress(ls, "Qwen: explaining", lambda report: run(ls, req, report))
    if outcome is None or not outcome.ok:
        _tell(ls, outcome, stale=False)
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


# --- shared with docs on save -----------------------------------------------------------------


def request_from(ls: QwenLanguageServer, data: dict) -> tuple[TextDocument, engine.ActionRequest]:
    """The document and the engine request an action's data names (a snapshot of its text)."""
    doc = open_document(ls, str(data.get("uri")))
    first, last = data.get("start_line"), data.get("end_line")
    if doc is None or not (isinstance(first, int) and isinstance(last, int)):
        raise JsonRpcInvalidParams(f"not an open document or no line range: {data!r}")
    if not 0 <= first <= last < len(doc.lines) + 1:
        raise JsonRpcInvalidParams(f"lines {first}-{last} are outside {doc.uri}")
    offer = engine.Offer(
        kind=str(data.get("kind", "")),
        title=str(data.get("title", "")),
        start_line=first,
        end_line=last,
        symbol=str(data.get("symbol", "")),
        instruction=str(data.get("instruction", "")),
    )
    path, language = document_path(ls, doc.uri), doc.language_id or ""
    return doc, engine.request_for(offer, path, language, doc.source, ls.settings.docs.style)


async def run(ls: QwenLanguageServer, req: engine.ActionRequest, report: Report) -> engine.Outcome:
    """One action's turns with the model; worker errors become a failed outcome."""
    ls.stats.requests += 1
    workspace = await asyncio.to_thread(neighbours, ls.workspace.root_path, req.path)
    workspace.update(
        (document_path(ls, d.uri), (d.language_id or "", d.source))
        for d in ls.workspace.text_documents.values()
    )
    settings = ls.settings.actions
    session = engine.ActionSession(req, workspace, settings.max_turns)
    while session.outcome is None:
        report(f"asking the model (turn {settings.max_turns - session.turns_left + 1})")
        chat = m.Chat(
            id=0,
            messages=session.messages,
            tools=session.tools,
            cache_key=f"action:{req.path}",
            max_tokens=settings.max_tokens,
            sampling=None if settings.temperature is None else m.Sampling(settings.temperature),
        )
        try:
            ls.stats.model_calls += 1
            done = await ls.backend.request(chat)
        except QwenError as exc:
            ls.stats.errors += 1
            return engine.Outcome([], f"Qwen made no edit: {exc}.", False)
        calls = [(c.name, c.arguments) for c in done.tool_calls]
        session.feed(done.text, calls, done.tool_call_errors)
    return session.outcome


NEIGHBOURS_MAX_FILES = 50
NEIGHBOURS_MAX_BYTES = 256 * 1024


def neighbours(root: str | None, path: str) -> dict[str, tuple[str, str]]:
    """Source files beside the document (same folder, known languages, bounded), so that
    read_definition finds what the current file imports from next door."""
    folder = Path(root or "") / os.path.dirname(path)
    out: dict[str, tuple[str, str]] = {}
    with contextlib.suppress(OSError):
        for entry in sorted(folder.iterdir())[: NEIGHBOURS_MAX_FILES * 4]:
            language = language_of(entry.name)
            if not language or not entry.is_file() or entry.stat().st_size > NEIGHBOURS_MAX_BYTES:
                continue
            rel = os.path.join(os.path.dirname(path), entry.name)
            out[rel] = (language, entry.read_text(encoding="utf-8", errors="replace"))
            if len(out) >= NEIGHBOURS_MAX_FILES:
                break
    return out


def workspace_edit(
    doc: TextDocument, version: object, edits: list[LineEdit]
) -> types.WorkspaceEdit:
    """Edits against exactly `version`: a client holding another version must refuse them."""
    text_edits = []
    for sl, sc, el, ec, new in to_ranges(doc.source, edits):
        start = types.Position(line=sl, character=sc)
        end = types.Position(line=el, character=ec)
        rng = doc.position_codec.range_to_client_units(doc.lines, types.Range(start, end))
        text_edits.append(types.TextEdit(range=rng, new_text=new))
    ident = types.OptionalVersionedTextDocumentIdentifier(
        uri=doc.uri, version=version if isinstance(version, int) else None
    )
    changes = types.TextDocumentEdit(text_document=ident, edits=list(text_edits))
    return types.WorkspaceEdit(document_changes=[changes])


async def with_progress(
    ls: QwenLanguageServer, title: str, work: Callable[[Report], Coroutine[Any, Any, T]]
) -> T | None:
    """Run `work` under cancellable work-done progress; None when the user cancelled it.

    Cancelling the progress cancels the work, and with it the model request (the backend sends
    the worker a Cancel). A cancelled request ($/cancelRequest) propagates as usual.
    """
    token = await _create_progress(ls)
    report: Report = lambda text: None  # noqa: E731
    if token is not None:
        report = lambda text: ls.work_done_progress.report(  # noqa: E731
            token, types.WorkDoneProgressReport(message=text)
        )
    task = asyncio.ensure_future(work(report))
    if token is not None:
        begin = types.WorkDoneProgressBegin(title=title, cancellable=True)
        ls.work_done_progress.begin(token, begin)
        cancelled = ls.work_done_progress.tokens[token]
        cancelled.add_done_callback(lambda f: f.cancelled() and task.cancel())
    try:
        return await _await(task)
    finally:
        if token is not None:
            ls.work_done_progress.tokens.pop(token, None)
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd())


async def _await(task: Awaitable[T]) -> T | None:
    try:
        return await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # the request itself was cancelled
        return None


async def _create_progress(ls: QwenLanguageServer) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"qwen-action-{uuid.uuid4().hex[:8]}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception as exc:
        log.info("no progress for this action: %s", exc)
        return None
    return token


def _tell(ls: QwenLanguageServer, outcome: engine.Outcome | None, stale: bool) -> None:
    if stale:
        text = "qwen-lsp: the document changed while Qwen worked; no edit was made."
    elif outcome is None:
        text = "qwen-lsp: cancelled; no edit was made."
    else:
        text = f"qwen-lsp: {outcome.message}"
    ls.notify_user(types.MessageType.Warning, text)


def explanations_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for path in (base / "qwen-lsp" / "explain", Path(tempfile.gettempdir()) / "qwen-lsp-explain"):
        with contextlib.suppress(OSError):
            path.mkdir(parents=True, exist_ok=True)
            return path
    raise OSError("no writable directory for explanations")


def write_explanation(req: engine.ActionRequest, markdown: str) -> str:
    """The explanation as a markdown file (both VS Code and Neovim open it), returning its URI."""
    what = req.symbol or f"lines {req.start_line + 1}-{req.end_line + 1}"
    digest = hashlib.sha1(f"{req.path}:{what}".encode()).hexdigest()[:8]
    name = os.path.basename(req.path).replace(".", "_")
    path = explanations_dir() / f"{name}-{digest}.md"
    path.write_text(f"# {what} — {req.path}\n\n{markdown.strip()}\n", encoding="utf-8")
    with contextlib.suppress(Exception):
        return from_fs_path(str(path)) or path.as_uri()
    return path.as_uri()
