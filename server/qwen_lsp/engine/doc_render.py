"""Documentation conventions per language, and how a doc text becomes an edit.

Python docstrings (Google/NumPy/Sphinx), JSDoc for JavaScript/TypeScript, `///` for Rust,
`// Name …` for Go, `---` for Lua. The model writes the text only; markers and indentation are
added here so they are always right.
"""

from __future__ import annotations

import re

from qwen_lsp.engine.definitions import Definition, family
from qwen_lsp.engine.line_edits import LineEdit


def convention(language: str, style: str = "google") -> str:
    """How the prompt names the documentation convention of a language."""
    fam = family(language)
    if fam == "python":
        name = {"google": "Google", "numpy": "NumPy", "sphinx": "Sphinx (reST)"}.get(style, style)
        return f"a {name}-style Python docstring"
    return {
        "js": "a JSDoc comment (with @param and @returns tags)",
        "rust": "a Rust `///` doc comment",
        "go": "a Go doc comment that starts with the name",
        "lua": "a LuaDoc `---` comment (with @param and @return tags)",
    }.get(fam, "a doc comment")


_MARKERS = re.compile(r'^\s*(/\*\*+|\*/|\*|///|//|---|--|"""|\'\'\'|#)\s?')


def clean_doc(raw: str) -> list[str]:
    """The doc's lines without any comment markers or quotes the model may have added."""
    text = raw.strip().strip('"').strip("'").strip()
    text = re.sub(r"^/\*\*|\*/$", "", text).strip()
    lines = [_MARKERS.sub("", line, count=1).rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    # Keep relative indentation (docstring sections) but drop the common margin.
    margin = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return [x[margin:] for x in lines]


def render_doc(language: str, d: Definition, raw: str) -> LineEdit | None:
    """The edit that gives `d` the documentation `raw`; None when the text is empty."""
    body = clean_doc(raw)
    if not body:
        return None
    fam, ind = family(language), d.indent
    if fam == "python":
        body = [x.replace('"""', r"\"\"\"") for x in body]
        if body[-1].endswith("\\"):
            body[-1] += " "
        if len(body) == 1:
            out = [f'{ind}"""{body[0]}"""']
        else:
            out = [f'{ind}"""{body[0]}', *[f"{ind}{x}" if x else "" for x in body[1:]], f'{ind}"""']
    elif fam == "js":
        body = [x.replace("*/", "*\\/") for x in body]
        out = [f"{ind}/**", *[f"{ind} * {x}".rstrip() for x in body], f"{ind} */"]
    elif fam == "go":
        if not body[0].startswith(d.name):
            body[0] = f"{d.name} {body[0][:1].lower()}{body[0][1:]}"
        out = [f"{ind}// {x}".rstrip() for x in body]
    else:
        mark = "///" if fam == "rust" else "---"
        out = [f"{ind}{mark} {x}".rstrip() for x in body]
    start, end = (d.doc[0], d.doc[1] + 1) if d.doc else (d.insert_line, d.insert_line)
    return LineEdit(start, end, "\n".join(out) + "\n")
