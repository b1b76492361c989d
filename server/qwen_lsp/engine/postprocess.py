"""Turning raw model output into the text a user should see at the cursor."""

from __future__ import annotations

from .fim import cut_at_stop_markers


def postprocess(generated: str, *, suffix: str, multiline: bool, max_lines: int) -> str:
    """Cut at markers, to one line (or `max_lines`), and drop whitespace-only results."""
    text = cut_at_stop_markers(generated)
    lines = text.split("\n")
    text = "\n".join(lines[: max_lines if multiline else 1]).rstrip()
    if not text.strip():
        return ""
    rest_of_line = suffix.split("\n", 1)[0]
    if rest_of_line.strip() and text.endswith(rest_of_line.strip()):
        text = text[: -len(rest_of_line.strip())].rstrip()
    return text
