"""The completion prompt at a cursor, as a keystroke sends it and background work repeats it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import replace

from pygls.workspace import TextDocument

from .. import messages as m
from ..engine.completion import (
    CompletionPlan,
    CompletionRequest,
    build_prompt,
    repo_budget_chars,
    text_window,
    window_of,
)
from ..engine.context import lines_near
from ..engine.fim import RepoFile
from .indexing import index_soon
from .positions import document_path, syntax_of
from .server import QwenLanguageServer


def snapshot(ls: QwenLanguageServer, document: TextDocument, offset: int) -> CompletionRequest:
    """The document at a cursor: the text within `text_window` of it (engine `window_of`)."""
    request = CompletionRequest(
        uri=document.uri,
        version=document.version or 0,
        path=document_path(ls, document.uri),
        language_id=document.language_id or "",
        text="",
        offset=offset,
    )
    if (syntax := syntax_of(document)) is None:
        return replace(request, text=document.source)
    return window_of(request, syntax, text_window(ls.settings.context))


def plan_for(
    ls: QwenLanguageServer, document: TextDocument, request: CompletionRequest, line: int
) -> CompletionPlan:
    """The prompt a keystroke at `request`'s cursor sends (background work sends the same)."""
    settings = ls.settings
    return build_prompt(
        request,
        settings.completion,
        settings.context,
        files=_repo_files(ls, document, request, line),
        repo_name=_repo_name(ls),
        syntax_doc=syntax_of(document),
    )


def generate_for(
    ls: QwenLanguageServer,
    request: CompletionRequest,
    plan: CompletionPlan,
    priority: m.Priority = "interactive",
    max_tokens: int | None = None,
    alternate: str = "",
) -> m.Generate:
    """`alternate` (messages.ALTERNATE + a name): into the document's alternate KV cache."""
    if not alternate:
        ls.warm_prompts.note(request.uri, plan.prompt)  # the document's KV cache will hold it
    interactive = priority == "interactive"
    return m.Generate(
        id=0,
        prompt=plan.prompt,
        cache_key=plan.cache_key + alternate,
        # The next keystroke's request replaces a queued one; background work is cancelled.
        job=f"complete:{request.uri}" if interactive else f"ahead:{request.uri}",
        max_tokens=plan.max_tokens if max_tokens is None else max_tokens,
        stop=list(plan.stop),
        max_time_ms=ls.settings.completion.timeout_ms,
        priority=priority,
        answer_within_ms=ls.settings.completion.answer_within_ms if interactive else 0,
        stop_after_space=plan.next_line,
    )


def _repo_files(
    ls: QwenLanguageServer, document: TextDocument, request: CompletionRequest, line: int
) -> tuple[RepoFile, ...]:
    budget = repo_budget_chars(ls.settings.context)
    if not budget:
        return ()
    documents = OpenTexts(ls)
    text, offset = request.text, request.offset
    syntax = syntax_of(document)
    if syntax is not None and request.revision == syntax.revision:  # its lines, not the window
        text, offset = lines_near(syntax.lines(), syntax.row_of(request.cursor))
    ls.repo_context.note_definitions(request.path, text, offset, documents)
    index_soon(ls)  # documents the lookup skipped (changed since their index) get one
    return ls.repo_context.files_for(request.path, line, documents, budget)


class OpenTexts(Mapping[str, str]):
    """Open documents' texts by workspace path, mapped only if a text is actually read (most
    keystrokes read none: the repository section is a snapshot)."""

    def __init__(self, ls: QwenLanguageServer) -> None:
        self._ls = ls
        self._paths: dict[str, str] | None = None

    def _by_path(self) -> dict[str, str]:
        if self._paths is None:
            uris = self._ls.workspace.text_documents
            self._paths = {document_path(self._ls, uri): uri for uri in uris}
        return self._paths

    def __getitem__(self, path: str) -> str:
        return self._ls.workspace.text_documents[self._by_path()[path]].source

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path())

    def __len__(self) -> int:
        return len(self._by_path())


def _repo_name(ls: QwenLanguageServer) -> str:
    root = ls.workspace.root_path
    return os.path.basename(root.rstrip(os.sep)) if root else ""
