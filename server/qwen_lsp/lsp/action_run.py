"""One action's run with the model, shared by code actions and docs on save: the request an
action's data names, the model turns with tool calls, and telling the user why nothing changed."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument

from .. import messages as m
from ..engine import actions as engine
from ..errors import QwenError, WorkerCrashed
from .neighbours import neighbours
from .positions import document_path, open_document
from .progress import Report
from .server import QwenLanguageServer


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


async def run(
    ls: QwenLanguageServer, req: engine.ActionRequest, report: Report, origin: str = "action"
) -> engine.Outcome:
    """One action's turns with the model; worker errors become a failed outcome. `origin` and
    the target make the job's identity: only a newer run of the same job supersedes it."""
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
            job=f"{origin}:{req.kind}:{req.path}:{req.start_line}-{req.end_line}",
            max_tokens=settings.max_tokens,
            sampling=None if settings.temperature is None else m.Sampling(settings.temperature),
        )
        try:
            ls.stats.model_calls += 1
            done = await ls.backend.request(chat)
        except QwenError as exc:
            ls.stats.errors += 1
            told = isinstance(exc, WorkerCrashed) and exc.told  # no second message
            return engine.Outcome([], "" if told else f"Qwen made no edit: {exc}.", False)
        calls = [(c.name, c.arguments) for c in done.tool_calls]
        session.feed(done.text, calls, done.tool_call_errors)
    return session.outcome


def unchanged(ls: QwenLanguageServer, doc: TextDocument, version: object) -> bool:
    """The document is still open as this very copy at `version` (closed and reopened, it may
    carry the same version number over other text)."""
    return ls.workspace.text_documents.get(doc.uri) is doc and doc.version == version


def tell_refused(ls: QwenLanguageServer, what: str, reason: str | None) -> None:
    """The editor refused an edit we sent (it holds another version: the user typed)."""
    text = f"qwen-lsp: the editor did not apply the {what} ({reason or 'no reason given'})"
    ls.notify_user(types.MessageType.Warning, f"{text}; nothing was changed.")


def tell(ls: QwenLanguageServer, outcome: engine.Outcome | None, stale: bool) -> None:
    """Warn the user why an action made no edit."""
    if stale:
        text = "qwen-lsp: the document changed while Qwen worked; no edit was made."
    elif outcome is None:
        text = "qwen-lsp: cancelled; no edit was made."
    elif not outcome.message:
        return  # the user was told already (the worker crashed)
    else:
        text = f"qwen-lsp: {outcome.message}"
    ls.notify_user(types.MessageType.Warning, text)
