"""Repository context: ring of chunks, definitions in use, and a prompt head that stays put."""

from __future__ import annotations

import pytest

from qwen_lsp.engine.context import (
    RepoContext,
    chunk_around,
    definition_index,
    find_definition,
    names_near,
    similarity,
)
from qwen_lsp.engine.fim import FimParts, render_fim_prompt

pytestmark = pytest.mark.unit

UTILS = '''"""Helpers."""

import math


def clamp(value, low, high):
    """Keep value within [low, high]."""
    return max(low, min(high, value))


class Vector:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def length(self):
        return math.hypot(self.x, self.y)


def unrelated():
    return 42


def scale(value, factor):
    return value * factor
'''

MAIN = """from utils import Vector, clamp

def speed(v):
    vec = Vector(v, 0)
    length = vec.length()

    return length
"""


def _context(**kwargs: int) -> tuple[RepoContext, dict[str, str]]:
    ctx = RepoContext(**kwargs)
    docs = {"utils.py": UTILS, "main.py": MAIN}
    ctx.opened("utils.py")
    ctx.opened("main.py")
    for path, text in docs.items():  # the server indexes them in a thread
        ctx.indexed(path, text, definition_index(path, text))
    return ctx, docs


def test_similarity_is_line_jaccard() -> None:
    assert similarity("a\nb\n", "b\na") == 1.0
    assert similarity("a\nb", "a\nc") == pytest.approx(1 / 3)
    assert similarity("", "") == 1.0


def test_chunk_around_stays_inside_the_file() -> None:
    text = "\n".join(str(i) for i in range(100))
    assert chunk_around(text.split("\n"), 0, 10) == (0, "\n".join(str(i) for i in range(10)))
    first, body = chunk_around(text.split("\n"), 99, 10)
    assert first == 90 and body.endswith("99")


def test_names_near_skip_the_line_being_typed() -> None:
    offset = MAIN.index("length = ") + 3
    names = names_near(MAIN.replace("length = vec", "length = typing_now"), offset)
    assert "Vector" in names and "speed" in names
    assert "typing_now" not in names


@pytest.mark.parametrize(
    ("path", "text", "name", "first_line"),
    [
        ("u.py", UTILS, "clamp", "def clamp(value, low, high):"),
        ("u.py", UTILS, "Vector", "class Vector:"),
        ("p.js", "export function parse(s) {\n  return 1;\n}\n", "parse", "export function parse("),
        (
            "a.rs",
            "pub fn area(w: u32) -> u32 {\n    w\n}\n",
            "area",
            "pub fn area(w: u32) -> u32 {",
        ),
        (
            "s.go",
            "func (s *Server) Start() error {\n\treturn nil\n}\n",
            "Start",
            "func (s *Server)",
        ),
        ("m.lua", "function M.add(a, b)\n  return a + b\nend\n", "add", "function M.add(a, b)"),
        ("u.ts", "interface User {\n  id: number;\n}\n", "User", "interface User {"),
        ("o.py", "def once(): return 1\n", "once", "def once(): return 1"),
    ],
)
def test_definitions_by_language(path: str, text: str, name: str, first_line: str) -> None:
    found = find_definition(path, text, name, 16)
    assert found is not None and found.startswith(first_line)


def test_definition_block_ends_with_its_closer() -> None:
    text = "fn a() {\n    1\n}\n\nfn b() {}\n"
    assert find_definition("a.rs", text, "a", 16) == "fn a() {\n    1\n}"
    assert find_definition("u.py", UTILS, "clamp", 16) == (
        'def clamp(value, low, high):\n    """Keep value within [low, high]."""\n'
        "    return max(low, min(high, value))"
    )
    assert find_definition("u.py", UTILS, "Vector", 3) == (
        "class Vector:\n    def __init__(self, x, y):\n        self.x = x"
    )


def test_no_definitions_without_a_grammar() -> None:
    assert find_definition("notes.txt", "def clamp(x):\n    return x\n", "clamp", 16) is None
    assert find_definition("u.py", UTILS, "missing", 16) is None


def test_definitions_of_names_in_use_come_from_other_open_files() -> None:
    ctx, docs = _context()
    ctx.note_definitions("main.py", MAIN, MAIN.index("return length"), docs)
    files = ctx.files_for("main.py", 6, docs, 10_000)
    texts = [f.text for f in files]
    assert files[0].path == "utils.py"  # the other open file's head comes first
    assert any(t.startswith("class Vector:") for t in texts)
    assert any(t.startswith("def clamp(") for t in texts)
    assert not any("unrelated" in t for t in texts[1:])


def test_ring_replaces_similar_chunks_and_is_bounded() -> None:
    ctx = RepoContext(max_chunks=3, chunk_lines=4)
    text = "\n".join(f"line {i}" for i in range(100))
    ctx.add_chunk("a.py", text.split("\n"), 10)
    ctx.add_chunk("a.py", text.split("\n"), 10)  # the same place again: replaced, not duplicated
    assert len(ctx.files_for("b.py", 0, {}, 10_000)) == 1
    for line in (30, 50, 70, 90):
        ctx.add_chunk("a.py", text.split("\n"), line)
    files = ctx.files_for("b.py", 100, {}, 10_000)  # the cursor moved on: rotated
    assert [f.text.split("\n")[0] for f in files] == ["line 48", "line 68", "line 88"]


def test_an_edit_elsewhere_keeps_the_previous_place() -> None:
    ctx = RepoContext(chunk_lines=8)
    text = "\n".join(f"row {i}" for i in range(200))
    ctx.edited("a.py", text.split("\n"), 10)
    ctx.edited("a.py", text.split("\n"), 11)  # still the same place
    assert ctx.files_for("b.py", 0, {}, 10_000) == ()
    ctx.edited("a.py", text.split("\n"), 150)
    assert ctx.files_for("b.py", 0, {}, 10_000) == ()  # b's cursor has not moved: kept
    (chunk,) = ctx.files_for("b.py", 50, {}, 10_000)
    assert "row 10" in chunk.text
    ctx.saved("a.py", text.split("\n"))
    assert "row 150" in ctx.files_for("b.py", 0, {}, 10_000)[-1].text


def test_chunks_of_the_current_file_are_left_out() -> None:
    ctx = RepoContext()
    ctx.add_chunk("a.py", ["x = 1", "y = 2"], 0)
    assert ctx.files_for("a.py", 0, {}, 10_000) == ()
    assert len(ctx.files_for("b.py", 0, {}, 10_000)) == 1


def test_budget_drops_the_newest_sections() -> None:
    ctx, docs = _context()
    ctx.note_definitions("main.py", MAIN, MAIN.index("return length"), docs)
    everything = ctx.files_for("main.py", 6, docs, 10_000)
    some = ctx.files_for("main.py", 6, docs, 600)
    assert 0 < len(some) < len(everything)
    assert everything[: len(some)] == some


def _prompt_head(ctx: RepoContext, docs: dict[str, str], text: str, offset: int) -> str:
    ctx.note_definitions("main.py", text, offset, docs)
    line = text.count("\n", 0, offset)
    files = ctx.files_for("main.py", line, {**docs, "main.py": text}, 4_000)
    parts = FimParts("main.py", text[: text.rfind("\n", 0, offset) + 1], "", "", "demo", files)
    prompt = render_fim_prompt(parts)
    return prompt[: prompt.index("<|fim_prefix|>")]


def test_prompt_head_is_stable_while_typing_lines_and_append_only_when_rotated() -> None:
    ctx, docs = _context()
    base = MAIN.replace("    return length\n", "    \n")
    cursor = base.index("    \n") + 4
    text, heads = base, set()
    # Typing two lines: new names above the cursor are noted, but the section stays as it was.
    for line in ("total = scale(length, 10)\n    ", "return total"):
        for char in line:
            text = text[:cursor] + char + text[cursor:]
            cursor += 1
            heads.add(_prompt_head(ctx, docs, text, cursor))
    assert len(heads) == 1
    (head,) = heads
    assert "<|file_sep|>utils.py\ndef scale(" not in head
    # The cursor moves on (here: far below): the noted definitions join, after what was there.
    far = text + "\n" * 40
    later = _prompt_head(ctx, docs, far, len(far))
    assert "<|file_sep|>utils.py\ndef scale(" in later
    assert later.startswith(head.rsplit("<|file_sep|>main.py", 1)[0])


def test_names_near_read_a_window_of_lines() -> None:
    text = "".join(f"name{i} = {i}\n" for i in range(1000))
    offset = text.index("name500 =")
    assert names_near(text, offset) == [f"name{i}" for i in [*range(492, 500), *range(501, 505)]]


def test_lookups_use_indexes_of_the_current_text_and_never_index() -> None:
    ctx, docs = _context()
    cursor = MAIN.index("return length")
    changed = UTILS + "\n\ndef speed_limit():\n    return 3\n"
    ctx.edited(
        "utils.py", changed.split("\n"), 30
    )  # utils.py changed: its index is for another text
    ctx.note_definitions("main.py", MAIN, cursor, {**docs, "utils.py": changed})
    assert ctx.unindexed == {"utils.py"}  # skipped, for the server to index
    assert ctx.files_for("main.py", 6, docs, 10_000)[1:] == ()  # nothing noted meanwhile
    ctx.indexed("utils.py", changed, definition_index("utils.py", changed))
    assert not ctx.unindexed
    for i in range(3):  # typing on: looked up again once, in the new index
        ctx.note_definitions("main.py", MAIN, cursor + i, {**docs, "utils.py": changed})
    files = ctx.files_for("main.py", 40, {**docs, "utils.py": changed}, 10_000)  # rotated
    texts = [f.text for f in files[1:]]
    assert any(t.startswith("class Vector:") for t in texts)
    assert any(t.startswith("def clamp(") for t in texts)
    assert not ctx.unindexed


def test_opening_and_typing_with_30_documents_open_never_parse(monkeypatch) -> None:
    """The repository context's work on open and per keystroke reads indexes made elsewhere:
    no parse and no walk of a tree (those ran on the event loop, 100+ ms per document)."""
    from qwen_lsp.engine import context, definitions, syntax

    def forbidden(*_: object, **__: object) -> None:
        raise AssertionError("parsed or walked a tree on the keystroke path")

    ready = {f"mod_{i}.py": UTILS for i in range(29)}
    indexes = {path: definition_index(path, text) for path, text in ready.items()}
    for module, name in [(syntax, "parse_bytes"), (definitions, "_walk"), (context, "spans")]:
        monkeypatch.setattr(module, name, forbidden)
    ctx = RepoContext()
    docs = {**ready, "late.py": UTILS + "\n", "main.py": MAIN}
    for path in docs:
        ctx.opened(path)
    for path, index in indexes.items():
        ctx.indexed(path, docs[path], index)
    text, cursor = MAIN, MAIN.index("return length")
    heads = set()
    for i, char in enumerate("total = clamp(length, 0, 9)"):
        text = text[: cursor + i] + char + text[cursor + i :]
        ctx.edited("main.py", text.split("\n"), 6)
        heads.add(_prompt_head(ctx, {**docs, "main.py": text}, text, cursor + i + 1))
    assert len(heads) == 1  # the repository section stayed as it was
    assert ctx.unindexed == {"late.py", "main.py"}  # for the server to index, in a thread


def test_a_switch_back_keeps_the_documents_sections_wherever_its_cursor_is() -> None:
    """Its warm KV cache holds them: a keystroke after a switch re-reads only its file."""
    ctx = RepoContext(chunk_lines=8)
    text = "\n".join(f"row {i}" for i in range(200))
    opened = ctx.files_for("b.py", 199, {}, 10_000)  # the pre-warm on open: the end
    ctx.edited("a.py", text.split("\n"), 10)
    ctx.edited("a.py", text.split("\n"), 150)  # typing in a.py meanwhile notes a chunk
    ctx.files_for("a.py", 150, {}, 10_000)
    assert ctx.files_for("b.py", 20, {}, 10_000) == opened  # back in b, far from the end
    assert ctx.files_for("b.py", 22, {}, 10_000) == opened  # typing on there
    (chunk,) = ctx.files_for("b.py", 60, {}, 10_000)  # moving on within b rotates
    assert "row 10" in chunk.text
