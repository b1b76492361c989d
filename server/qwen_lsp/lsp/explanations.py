"""Explanations written as markdown files that editors open."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from pygls.uris import from_fs_path

from ..engine import actions as engine


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
