"""Languages: a document's language from its languageId or file name, and tree-sitter grammars
loaded lazily from the per-language wheels (no run-time downloads)."""

from __future__ import annotations

import importlib
import posixpath
from collections.abc import Callable
from functools import cache

import tree_sitter as ts

# language id → (wheel module, function returning the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "javascriptreact": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": ("tree_sitter_typescript", "language_tsx"),
    "rust": ("tree_sitter_rust", "language"),
    "go": ("tree_sitter_go", "language"),
    "lua": ("tree_sitter_lua", "language"),
}

_EXTENSIONS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".rs": "rust",
    ".go": "go",
    ".lua": "lua",
}

# Editors disagree on a few ids (Neovim's filetype vs VS Code's languageId).
_ALIASES = {"tsx": "typescriptreact", "jsx": "javascriptreact", "py": "python", "rs": "rust"}


def language_for(path: str, language_id: str = "") -> str:
    """The language of a document: its languageId when known, else from its file extension."""
    lang = _ALIASES.get(language_id, language_id)
    if lang in _GRAMMARS:
        return lang
    ext = posixpath.splitext(path.lower())[1]
    return _EXTENSIONS.get(ext, lang)


def has_grammar(language: str) -> bool:
    return language in _GRAMMARS


def language_of(filename: str) -> str:
    """The languageId of a file name whose language has a grammar, else ""."""
    language = language_for(filename)
    return language if has_grammar(language) else ""


@cache
def _language(language: str) -> ts.Language | None:
    spec = _GRAMMARS.get(language)
    if spec is None:
        return None
    try:
        module = importlib.import_module(spec[0])
    except ImportError:  # a grammar wheel missing from the install: degrade, do not fail
        return None
    loader: Callable[[], object] = getattr(module, spec[1])
    return ts.Language(loader())


def parser_for(language: str) -> ts.Parser | None:
    """A fresh parser (parsers are not shared: they keep state between parses)."""
    lang = _language(language)
    return ts.Parser(lang) if lang is not None else None
