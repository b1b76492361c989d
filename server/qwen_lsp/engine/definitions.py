"""Definitions found by tree-sitter: functions, methods and classes, with their documentation.

One finder for the whole server: documentation targets, code actions, the read_definition tool
and the repository context of completion prompts all use it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import tree_sitter

from qwen_lsp.engine import grammars, syntax

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


def family(language: str) -> str:
    """The language's family: the JavaScript and TypeScript dialects are one ("js")."""
    language = grammars.language_for("", language)  # editors' aliases (Neovim's `tsx`, …)
    if language in _JS:
        return "js"
    return language


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


def definitions(language: str, text: str) -> list[Definition]:
    """Every documentable definition, outermost first, in source order."""
    language = grammars.language_for("", language)
    source = text.encode()
    tree = syntax.parse_encoded(language, source)
    if tree is None:
        return []
    fam = family(language)
    lines = text.split("\n")
    out: list[Definition] = []
    for node, qual in _walk(tree.root_node, fam, "", _in_bytes(source)):
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


def _walk(
    node: tree_sitter.Node, fam: str, prefix: str, text_of: NodeText
) -> Iterator[tuple[tree_sitter.Node, str]]:
    for child in _named_children(node):
        if _is_definition(child, fam):
            name = _name(child, fam, text_of)
            qual = f"{prefix}.{name}" if prefix and name else name
            if name:
                yield child, qual
            yield from _walk(child, fam, qual or prefix, text_of)
        else:
            yield from _walk(child, fam, prefix, text_of)


def _named_children(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """`node.named_children` one at a time. That list is kept by its node, and each child its
    own as the walk goes down: a whole file's nodes stay alive until the walk ends, and the
    garbage collector's full passes over them (~0.5 s each for 10 MB) hold the GIL."""
    cursor = node.walk()
    more = cursor.goto_first_child()
    while more:
        child = cursor.node
        if child is not None and child.is_named:
            yield child
        more = cursor.goto_next_sibling()


# A node's text, read from what its tree was parsed from. Not `Node.text`: on a tree parsed
# through a read callback it calls the callback again (py-tree-sitter leaks each answer).
NodeText = Callable[[tree_sitter.Node], str]


def _in_bytes(source: bytes) -> NodeText:
    return lambda node: source[node.start_byte : node.end_byte].decode(errors="replace")


def _in_lines(lines: Sequence[str]) -> NodeText:
    def text(node: tree_sitter.Node) -> str:
        (first, start), (last, end) = node.start_point, node.end_point
        span = "\n".join(lines[first : last + 1]).encode()  # columns count UTF-8 bytes
        return span[start : len(span) - len(lines[last].encode()) + end].decode(errors="replace")

    return text


def _name(node: tree_sitter.Node, fam: str, text_of: NodeText) -> str:
    target = node.child_by_field_name("name")
    if node.type in ("lexical_declaration", "variable_declaration"):
        target = node.named_children[0].child_by_field_name("name")
    if target is None and fam == "go" and node.type == "type_declaration":
        spec = node.named_children[0] if node.named_children else None
        target = spec.child_by_field_name("name") if spec is not None else None
    if target is None:
        return ""
    # Lua `function M.util.f()`: the last segment names it.
    return re.split(r"[.:]", text_of(target))[-1]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _definition(
    node: tree_sitter.Node, qual: str, fam: str, lines: Sequence[str]
) -> Definition | None:
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


def _comment_above(lines: Sequence[str], line: int, prefix: str) -> tuple[int, int] | None:
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
    node: tree_sitter.Node, name: str, qual: str, kind: str, lines: Sequence[str]
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


def spans(language: str, text: str) -> Mapping[str, tuple[int, int]]:
    """(start, end) lines (0-based) of every definition by name, one-liners included; the first
    of a name wins. Cached: the same text object hashes once, so repeat calls are cheap."""
    return _spans(grammars.language_for("", language), text)


@functools.lru_cache(maxsize=64)
def _spans(language: str, text: str) -> Mapping[str, tuple[int, int]]:
    source = text.encode()
    return spans_of(language, syntax.parse_encoded(language, source), source)


def spans_of(
    language: str, tree: tree_sitter.Tree | None, source: bytes
) -> Mapping[str, tuple[int, int]]:
    """`spans` of `source`, the UTF-8 text `tree` was parsed from (no tree: none)."""
    out: dict[str, tuple[int, int]] = {}
    if tree is not None:
        for node, qual in _walk(tree.root_node, family(language), "", _in_bytes(source)):
            out.setdefault(qual.rsplit(".", 1)[-1], (node.start_point.row, node.end_point.row))
    return MappingProxyType(out)


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


_WRAPPERS = ("export_statement", "decorated_definition")
_ABOVE = ("comment", "line_comment", "block_comment", "attribute_item")


def enclosing_in(doc: syntax.SyntaxDocument, language: str, line: int) -> Definition | None:
    """`enclosing` on a document's kept tree: no parse, and only the definitions around `line`
    are looked at (a cursor move in a big file). No tree (no grammar, or it gave up): None."""
    tree = doc.tree
    return enclosing_at(language, tree, doc.lines(), line) if tree is not None else None


def enclosing_at(
    language: str, tree: tree_sitter.Tree, lines: Sequence[str], line: int
) -> Definition | None:
    """`enclosing(language, text, line)` for the `tree` of that text split into `lines`."""
    fam = family(language)
    if fam not in _DEF_TYPES or not 0 <= line < len(lines):
        return None
    text = lines[line]
    column = len(text[: len(text) - len(text.lstrip())].encode())
    node = tree.root_node.named_descendant_for_point_range((line, column), (line, column))
    text_of = _in_lines(lines)
    chain = _around(node, fam, text_of)
    owner = _documented_below(node, fam)
    if owner is not None and (name := _name(owner, fam, text_of)):
        parent = chain[-1][1] if chain else ""
        d = _definition(owner, f"{parent}.{name}" if parent else name, fam, lines)
        if d is not None and d.doc and d.doc[0] <= line <= d.doc[1]:
            return d
    for candidate, qual in reversed(chain):
        d = _definition(candidate, qual, fam, lines)
        if d is not None and (
            d.start_line <= line <= d.end_line
            or (d.doc is not None and d.doc[0] <= line <= d.doc[1])
        ):
            return d
    return None


def _around(
    node: tree_sitter.Node | None, fam: str, text_of: NodeText
) -> list[tuple[tree_sitter.Node, str]]:
    """The named definitions containing `node`, outermost first, with their qualified names;
    a decorator or `export` line counts as inside what it wraps."""
    found: list[tree_sitter.Node] = []
    while node is not None:
        candidate = node
        if node.type in _WRAPPERS:
            inner = [c for c in node.named_children if _is_definition(c, fam)]
            candidate = inner[-1] if inner else node
        if (
            _is_definition(candidate, fam)
            and _name(candidate, fam, text_of)
            and candidate not in found
        ):
            found.append(candidate)
        node = node.parent
    out, prefix = [], ""
    for definition in reversed(found):
        name = _name(definition, fam, text_of)
        prefix = f"{prefix}.{name}" if prefix else name
        out.append((definition, prefix))
    return out


def _documented_below(node: tree_sitter.Node | None, fam: str) -> tree_sitter.Node | None:
    """The definition right after the comment `node` is in (its doc may hold the line)."""
    while node is not None and node.type not in _ABOVE:
        node = node.parent if node.parent is not None and node.parent.type in _ABOVE else None
    following = node.next_named_sibling if node is not None else None
    while following is not None and following.type in _ABOVE:
        following = following.next_named_sibling
    if following is not None and following.type in _WRAPPERS:
        inner = [c for c in following.named_children if _is_definition(c, fam)]
        following = inner[-1] if inner else None
    return following if following is not None and _is_definition(following, fam) else None
