"""The source files beside a document, for the read_definition tool."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..engine.grammars import language_of

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
