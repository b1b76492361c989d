"""The tree-sitter definition finder: what it finds, where docs go, spans by name."""

from __future__ import annotations

import pytest

from qwen_lsp.engine import definitions

try:
    from .doc_samples import CASES, PY
except ImportError:  # run from tests/unit directly
    from doc_samples import CASES, PY  # type: ignore[no-redef]

pytestmark = pytest.mark.unit


def test_python_definitions() -> None:
    found = {d.qualname: d for d in definitions.definitions("python", PY)}
    # `short` has its body on the def line: no line to hold a docstring, so not a target.
    assert set(found) == {"area", "Shape", "Shape.grow"}
    assert found["Shape"].documented and not found["area"].documented
    assert found["area"].start_line == 3  # the decorator belongs to it
    assert (found["area"].insert_line, found["area"].indent) == (5, "    ")
    assert found["Shape.grow"].indent == "        "


def test_unsupported_language_has_no_targets() -> None:
    assert definitions.definitions("cobol", "IDENTIFICATION DIVISION.") == []
    assert definitions.enclosing("python", PY, 0) is None
    inner = definitions.enclosing("python", PY, 13)
    assert inner is not None and inner.qualname == "Shape.grow"


def test_spans_name_every_definition_one_liners_included() -> None:
    spans = definitions.spans("python", PY)
    assert dict(spans) == {"area": (4, 6), "Shape": (9, 15), "grow": (12, 13), "short": (15, 15)}
    assert definitions.spans("py", PY) is spans  # aliases share the cached parse
    for language, (source, undocumented, _) in CASES.items():
        names = set(definitions.spans(language, source))
        assert {q.rsplit(".", 1)[-1] for q in undocumented} <= names, language
    assert definitions.spans("cobol", "IDENTIFICATION DIVISION.") == {}


def test_walking_a_tree_keeps_no_more_than_one_path_of_nodes_alive() -> None:
    # Each node's `named_children` list stays with its node: a walk over them kept a whole
    # file's nodes alive to the end, and the garbage collector's full passes over them (~0.5 s
    # each in a 10 MB file) held the GIL, which the event loop waited for.
    import gc
    import itertools

    from qwen_lsp.engine import syntax

    body = "class C{0}:\n    def f{0}(self):\n        return [{0}, 2]\n"
    source = "\n".join(body.format(i) for i in range(400))
    data = source.encode()
    tree = syntax.parse_encoded("python", data)
    walk = definitions._walk(tree.root_node, "python", "", definitions._in_bytes(data))
    before = len(gc.get_objects())
    found = [qual for _, qual in itertools.islice(walk, 600)]
    grown = len(gc.get_objects()) - before
    found += [qual for _, qual in walk]
    assert len(found) == 800 and found[:3] == ["C0", "C0.f0", "C1"]
    assert grown < 50, grown  # the lists of 300 classes' nodes before
    assert dict(definitions.spans_of("python", tree, data))["f399"] == (1597, 1598)
