"""Listing code actions (`textDocument/codeAction`): at once, with no model call."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace import TextDocument

from ..engine import actions as engine
from ..engine import definitions
from ..engine.definitions import Definition
from .action_commands import EXPLAIN, REFACTOR
from .positions import open_document, syntax_of
from .server import QwenLanguageServer

_CODE_KIND = {
    engine.FIX: types.CodeActionKind.QuickFix,
    engine.DOCSTRING: "refactor.rewrite.qwen.docstring",
    engine.REFACTOR: "refactor.rewrite.qwen.refactor",
    engine.TESTS: "refactor.qwen.tests",
    engine.EXPLAIN: "refactor.qwen.explain",
}
_COMMANDS = {engine.REFACTOR: REFACTOR, engine.EXPLAIN: EXPLAIN}


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
    offers = engine.offers_in(_enclosing(doc, start.line), start.line, last, start != end, diags)
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


def _enclosing(doc: TextDocument, line: int) -> Definition | None:
    """The definition around `line`: from the document's kept tree where there is one (a
    cursor move in 10 MB: no parse, no join of its text), else from a parse of its text."""
    language = doc.language_id or ""
    if (syntax_doc := syntax_of(doc)) is not None:
        return definitions.enclosing_in(syntax_doc, language, line)
    return definitions.enclosing(language, doc.source, line)


def _code_action(offer: engine.Offer, doc: TextDocument) -> types.CodeAction:
    data = {"uri": doc.uri, "version": doc.version, **vars(offer)}
    action = types.CodeAction(title=offer.title, kind=_CODE_KIND[offer.kind], data=data)
    if offer.kind in _COMMANDS:  # run as a command: no edit to resolve
        action.command = types.Command(offer.title, _COMMANDS[offer.kind], arguments=[data])
    return action
