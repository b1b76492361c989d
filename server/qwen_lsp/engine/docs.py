"""Documentation targets: which definitions lack docs, and how a doc text becomes an edit.

Pure: tree-sitter over plain text. Conventions: Python docstrings (Google/NumPy/Sphinx), JSDoc
for JavaScript/TypeScript, `///` for Rust, `// Name …` for Go, `---` for Lua. The model writes
the text only; markers and indentation are added here so they are always right.

Parsing goes through `engine.syntax` (grammar wheels, languageId aliases).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import tree_sitter

from qwen_lsp.engine import syntax


def language_of(filename: str) -> str:
    """The languageId of a file name whose language has a grammar, else ""."""
    language = syntax.language_for(filename)
    return language if syntax.has_grammar(language) else ""


_JS = frozenset({"javascript", "javascriptreact", "typescript", "typescriptreact"})

# Definition node types per language family.
_DEF_TYPES = {
    "python": {"function_definition", "class_definition"},
    "js": {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "method_definition",
        "interface_declaration",
        "abstract_class_declaration",
    },
    "rust": {"function_item", "struct_item", "enum_item", "trait_item", "function_signature_item"},
    "go": {"function_declaration", "method_declaration", "type_declaration"},
    "lua": {"function_declaration"},
}
_COMMENT_PREFIX = {"js": "/**", "rust": "///", "go": "//", "lua": "---"}


def _family(language: str) -> str:
    language = syntax.language_for("", language)  # editors' aliases (Neovim's `tsx`, …)
    if language in _JS:
        return "js"
    return language


def parses_cleanly(language: str, text: str) -> bool:
    """True when tree-sitter finds no syntax error in `text`."""
    return syntax.syntax_errors(syntax.language_for("", language), text) == 0


@dataclass(frozen=True)
class Definition:
    """A function, method or class. Lines are 0-based.

    `insert_line`: where new documentation goes (before this line); `indent`: its indentation;
    `doc`: the line range of existing documentation, or None when undocumented.
    """

    name: str
    qualname: str
    kind: str
    start_line: int
    end_line: int
    insert_line: int
    indent: str
    doc: tuple[int, int] | None

    @property
    def documented(self) -> bool:
        return self.doc is not None


def convention(language: str, style: str = "google") -> str:
    """How the prompt names the documentation convention of a language."""
    fam = _family(language)
    if fam == "python":
        name = {"google": "Google", "numpy": "NumPy", "sphinx": "Sphinx (reST)"}.get(style, style)
        return f"a {name}-style Python docstring"
    return {
        "js": "a JSDoc comment (with @param and @returns tags)",
        "rust": "a Rust `///` doc comment",
        "go": "a Go doc comment that starts with the name",
        "lua": "a LuaDoc `---` comment (with @param and @return tags)",
    }.get(fam, "a doc comment")


def definitions(language: str, text: str) -> list[Definition]:
    """Every documentable definition, outermost first, in source order."""
    language = syntax.language_for("", language)
    tree = syntax.parse(language, text)
    if tree is None:
        return []
    fam = _family(language)
    lines = text.split("\n")
    out: list[Definition] = []
    for node, qual in _walk(tree.root_node, fam, ""):
        d = _definition(node, qual, fam, lines)
        if d is not None:
            out.append(d)
    return out


_JS_FUNCTION_VALUES = ("arrow_function", "function_expression", "function", "class")


def _is_definition(node: tree_sitter.Node, fam: str) -> bool:
    if node.type in _DEF_TYPES[fam]:
        return True
    # `const add = (a, b) => a + b`: the declaration is the definition.
    if fam == "js" and node.type in ("lexical_declaration", "variable_declaration"):
        decls = node.named_children
        value = decls[0].child_by_field_name("value") if len(decls) == 1 else None
        return value is not None and value.type in _JS_FUNCTION_VALUES
    return False


def _walk(node: tree_sitter.Node, fam: str, prefix: str) -> Iterator[tuple[tree_sitter.Node, str]]:
    for child in node.named_children:
        if _is_definition(child, fam):
            name = _name(child, fam)
            qual = f"{prefix}.{name}" if prefix and name else name
            if name:
                yield child, qual
            yield from _walk(child, fam, qual or prefix)
        else:
            yield from _walk(child, fam, prefix)


def _name(node: tree_sitter.Node, fam: str) -> str:
    target = node.child_by_field_name("name")
    if node.type in ("lexical_declaration", "variable_declaration"):
        target = node.named_children[0].child_by_field_name("name")
    if target is None and fam == "go" and node.type == "type_declaration":
        spec = node.named_children[0] if node.named_children else None
        target = spec.child_by_field_name("name") if spec is not None else None
    if target is None or target.text is None:
        return ""
    # Lua `function M.util.f()`: the last segment names it.
    return re.split(r"[.:]", target.text.decode())[-1]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _definition(node: tree_sitter.Node, qual: str, fam: str, lines: list[str]) -> Definition | None:
    callable_ = any(k in node.type for k in ("function", "method", "lexical", "variable"))
    kind = "function" if callable_ else "class"  # classes, structs, traits, interfaces, types
    name = qual.rsplit(".", 1)[-1]
    if fam == "python":
        return _python_definition(node, name, qual, kind, lines)
    outer = node
    # `export function f`, `export default class`: the comment sits above the export.
    while outer.parent is not None and outer.parent.type in (
        "export_statement",
        "decorated_definition",
    ):
        outer = outer.parent
    first = outer.start_point.row
    if fam == "rust":  # attributes such as #[derive] sit between the doc and the item
        prev = outer.prev_named_sibling
        while (
            prev is not None and prev.type == "attribute_item" and prev.end_point.row == first - 1
        ):
            first, prev = prev.start_point.row, prev.prev_named_sibling
    doc = _comment_above(lines, first, _COMMENT_PREFIX[fam])
    return Definition(
        name,
        qual,
        kind,
        outer.start_point.row,
        node.end_point.row,
        first,
        _indent(lines[first]),
        doc,
    )


def _comment_above(lines: list[str], line: int, prefix: str) -> tuple[int, int] | None:
    """The comment block ending right above `line`, when it uses the doc prefix."""
    i = line - 1
    if prefix == "/**":
        if i < 0 or not lines[i].strip().endswith("*/"):
            return None
        j = i
        while j >= 0 and "/*" not in lines[j]:
            j -= 1
        return (j, i) if j >= 0 and lines[j].lstrip().startswith("/**") else None
    j = i
    while j >= 0 and lines[j].lstrip().startswith(prefix):
        j -= 1
    return (j + 1, i) if j < i else None


def _python_definition(
    node: tree_sitter.Node, name: str, qual: str, kind: str, lines: list[str]
) -> Definition | None:
    body = node.child_by_field_name("body")
    if body is None or not body.named_children:
        return None
    stmts = [c for c in body.named_children if c.type != "comment"]
    if not stmts or stmts[0].start_point.row == node.start_point.row:
        return None  # `def f(): return 1`: no line to put a docstring on
    first = stmts[0]
    doc = None
    if first.type == "expression_statement" and first.named_children[0].type in (
        "string",
        "concatenated_string",
    ):
        doc = (first.start_point.row, first.end_point.row)
    # Comments between the header and the first statement: the docstring goes above them.
    row = first.start_point.row
    while (
        doc is None and row - 1 > node.start_point.row and lines[row - 1].lstrip().startswith("#")
    ):
        row -= 1
    start = (
        node.parent.start_point.row
        if node.parent and node.parent.type == "decorated_definition"
        else node.start_point.row
    )
    return Definition(
        name, qual, kind, start, node.end_point.row, row, _indent(lines[first.start_point.row]), doc
    )


def find(language: str, text: str, symbol: str) -> Definition | None:
    """The definition named `symbol` (plain or qualified name); the first match wins."""
    for d in definitions(language, text):
        if symbol in (d.qualname, d.name):
            return d
    return None


def enclosing(language: str, text: str, line: int) -> Definition | None:
    """The innermost definition containing `line` (0-based)."""
    best = None
    for d in definitions(language, text):
        if d.start_line <= line <= d.end_line or (d.doc and d.doc[0] <= line <= d.doc[1]):
            best = d
    return best


# --- changed regions -------------------------------------------------------------------------


def changed_lines(old: str, new: str) -> list[tuple[int, int]]:
    """Line ranges (0-based inclusive, in `new`) that differ from `old`."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    out = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append((j1, max(j1, j2 - 1)))
    return out


def targets(
    language: str,
    text: str,
    regions: Iterable[tuple[int, int]] | None,
    pending: Iterable[str] = (),
    limit: int = 8,
) -> list[Definition]:
    """Undocumented definitions touching `regions` (None: the whole file) or named in `pending`
    (qualnames left over from an earlier save), at most `limit`, in source order.

    A change inside a method touches the method, not its class; Python's dunder methods are
    left alone (their class documents them)."""
    defs = definitions(language, text)
    changed = None if regions is None else {i for a, b in regions for i in range(a, b + 1)}
    keep = set(pending)
    out = []
    for d in defs:
        if d.documented or (d.name.startswith("__") and d.name.endswith("__")):
            continue
        if d.qualname in keep or changed is None or _own_lines(d, defs) & changed:
            out.append(d)
    return out[:limit]


def _own_lines(d: Definition, defs: list[Definition]) -> set[int]:
    """The lines of `d` outside the definitions nested in it (doc comment lines included)."""
    lines = set(
        range(d.insert_line if d.insert_line < d.start_line else d.start_line, d.end_line + 1)
    )
    for inner in defs:
        if inner is not d and d.start_line < inner.start_line and inner.end_line <= d.end_line:
            lines -= set(range(min(inner.start_line, inner.insert_line), inner.end_line + 1))
    return lines


# --- doc text → edit -------------------------------------------------------------------------


@dataclass(frozen=True)
class LineEdit:
    """Replace lines start..end-1 (0-based; start == end inserts) with `text` (ends with \\n)."""

    start: int
    end: int
    text: str


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
    fam, ind = _family(language), d.indent
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


def merge_edits(
    written: Iterable[tuple[str, list[LineEdit]]],
) -> tuple[list[LineEdit], list[str]]:
    """The edits of several definitions, each checked alone, as one non-overlapping set: a
    definition whose edits collide with an earlier one's is left out (and stays owed)."""
    edits: list[LineEdit] = []
    names: list[str] = []
    for name, own in written:
        if any(_collide(a, b) for a in own for b in edits):
            continue
        edits.extend(own)
        names.append(name)
    return sorted(edits, key=lambda e: (e.start, e.end)), names


def _collide(a: LineEdit, b: LineEdit) -> bool:
    return a.start == b.start or (a.start < b.end and b.start < a.end)


# --- docs on save ----------------------------------------------------------------------------


class SaveTracker:
    """Per document: the text at the last save, and the definitions still owed documentation.

    A definition stays owed until its documentation is applied, so a run dropped because the
    user typed, cut short by the cap, or cancelled is retried on the next save.
    """

    def __init__(self) -> None:
        self._saved: dict[str, str] = {}
        self._owed: dict[str, set[str]] = {}

    def opened(self, uri: str, text: str) -> None:
        self._saved.setdefault(uri, text)

    def closed(self, uri: str) -> None:
        self._saved.pop(uri, None)
        self._owed.pop(uri, None)

    def plan(self, uri: str, language: str, text: str, limit: int) -> list[Definition]:
        """The definitions to document for this save (changed since the last one, or owed)."""
        regions = changed_lines(self._saved.get(uri, text), text)
        self._saved[uri] = text
        found = targets(language, text, regions, self._owed.get(uri, ()), limit=1 << 30)
        self._owed[uri] = {d.qualname for d in found}
        return found[:limit]

    def plan_all(self, uri: str, language: str, text: str, limit: int) -> list[Definition]:
        """Every undocumented definition of the file (the on-demand command)."""
        found = targets(language, text, None, limit=1 << 30)
        self._owed[uri] = self._owed.get(uri, set()) | {d.qualname for d in found}
        return found[:limit]

    def done(self, uri: str, qualnames: Iterable[str]) -> None:
        self._owed.get(uri, set()).difference_update(qualnames)

    def owed(self, uri: str) -> set[str]:
        return set(self._owed.get(uri, ()))
