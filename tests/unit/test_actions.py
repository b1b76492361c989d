"""Which actions fit the cursor, their prompts, and the multi-turn action session."""

from __future__ import annotations

import pytest

from qwen_lsp.engine import actions, definitions, syntax
from qwen_lsp.engine.actions import ActionRequest, ActionSession, Diagnostic
from qwen_lsp.engine.tool_edits import apply_edits

pytestmark = pytest.mark.unit

SOURCE = '''import os


def area(w, h):
    return w * h


class Shape:
    """A shape."""

    def grow(self, k):
        return k
'''


def kinds(offers: list[actions.Offer]) -> list[str]:
    return [o.kind for o in offers]


def test_offers_at_an_undocumented_function() -> None:
    got = actions.offers("python", SOURCE, 4, 4, False, [])
    assert kinds(got) == ["docstring", "explain", "refactor", "tests"]
    assert got[0].title == "Add docstring with Qwen: area"
    assert (got[0].start_line, got[0].end_line, got[0].symbol) == (3, 4, "area")


def test_offers_at_a_documented_class_and_outside_any_definition() -> None:
    assert kinds(actions.offers("python", SOURCE, 8, 8, False, [])) == ["explain", "refactor"]
    assert kinds(actions.offers("python", SOURCE, 0, 0, False, [])) == []
    selected = actions.offers("python", SOURCE, 0, 1, True, [])
    assert kinds(selected) == ["explain", "refactor"]
    assert (selected[0].start_line, selected[0].end_line, selected[0].symbol) == (0, 1, "")


def test_one_fix_per_diagnostic() -> None:
    diags = [Diagnostic(4, 4, "Name 'x' is not defined"), Diagnostic(0, 0, "unused import\nos")]
    got = [o for o in actions.offers("python", SOURCE, 4, 4, False, diags) if o.kind == "fix"]
    assert [o.title for o in got] == [
        "Fix with Qwen: Name 'x' is not defined",
        "Fix with Qwen: unused import",
    ]
    assert (got[0].start_line, got[0].end_line) == (3, 4)  # the enclosing function
    assert (got[1].start_line, got[1].end_line, got[1].instruction) == (0, 0, "unused import\nos")


@pytest.mark.parametrize("kind", actions.ACTION_KINDS)
def test_prompts_name_the_task(kind: str) -> None:
    req = ActionRequest(kind, "geo.py", "python", SOURCE, 3, 4, "area", "use math.prod")
    messages = actions.build_messages(req)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert "4| def area(w, h):" in user and "Target region: lines 4-5." in user
    expected = {
        "docstring": "Call set_docstring with symbol `area`",
        "fix": "Fix this problem in `area` (lines 4-5): use math.prod\nCall replace_lines with "
        "the corrected lines: start_line and end_line from 4 to 5",
        "refactor": "Refactor `area` (lines 4-5) as follows: use math.prod\nCall replace_lines "
        "with the new lines: start_line and end_line from 4 to 5",
        "tests": "Call insert_text with line 6",
        "explain": "Explain what `area` (lines 4-5) does",
    }[kind]
    assert expected in user


def test_request_for_an_offer_is_what_resolve_and_docs_on_save_run() -> None:
    """One function turns an offer into the request the model sees (the server's resolve, docs
    on save and the test-model trainer all go through it)."""
    (doc,) = [o for o in actions.offers("python", SOURCE, 4, 4, False, []) if o.kind == "docstring"]
    d = definitions.find("python", SOURCE, "area")
    assert d is not None and doc == actions.docstring_offer(d)
    req = actions.request_for(doc, "geo.py", "python", SOURCE, "numpy")
    assert req == ActionRequest("docstring", "geo.py", "python", SOURCE, 3, 4, "area", "", "numpy")


def test_prompt_window_is_bounded() -> None:
    text = "\n".join(f"x{i} = {i}" for i in range(1000))
    req = ActionRequest("explain", "big.py", "python", text, 500, 501)
    user = actions.build_messages(req)[1]["content"]
    assert f"lines {501 - actions.CONTEXT_LINES}-{502 + actions.CONTEXT_LINES} of 1000" in user
    assert "1| x0" not in user


def _session(kind: str, **kw: object) -> ActionSession:
    req = ActionRequest(kind, "geo.py", "python", SOURCE, 3, 4, "area", "simplify")
    return ActionSession(req, **kw)  # type: ignore[arg-type]


def test_session_edit_in_one_turn() -> None:
    s = _session("docstring")
    s.feed("", [("set_docstring", {"symbol": "area", "docstring": "Area of a rectangle."})])
    assert s.outcome is not None and s.outcome.ok
    out = apply_edits(SOURCE, s.outcome.edits)
    assert 'def area(w, h):\n    """Area of a rectangle."""\n    return' in out
    assert syntax.parses_cleanly("python", out)


def test_session_reads_then_edits() -> None:
    ws = {"util.py": ("python", "def helper():\n    return 2\n")}
    s = _session("refactor", workspace=ws, max_turns=3)
    s.feed("Let me look.", [("read_definition", {"name": "helper"})])
    assert s.outcome is None
    assert s.messages[-2]["tool_calls"][0]["function"]["arguments"] == {"name": "helper"}
    assert s.messages[-1] == {"role": "tool", "content": "util.py:1\ndef helper():\n    return 2"}
    s.feed("", [("replace_lines", {"start_line": 5, "end_line": 5, "new_text": "    return 0"})])
    assert s.outcome is not None and s.outcome.ok
    assert [(e.start, e.end, e.text) for e in s.outcome.edits] == [(4, 5, "    return 0\n")]


def test_session_turns_are_bounded() -> None:
    s = _session("fix", max_turns=2)
    s.feed("", [("read_lines", {"start_line": 1, "end_line": 2})])
    s.feed("", [("read_lines", {"start_line": 1, "end_line": 2})])
    assert s.outcome is not None and not s.outcome.ok
    assert "kept reading" in s.outcome.message


@pytest.mark.parametrize(
    ("text", "calls", "errors", "why"),
    [
        ("I think it is fine.", [], [], "without a tool call"),
        ("", [], ["No function provided."], "malformed"),
        ("", [("delete_file", {"path": "/"})], [], "not an offered tool"),
        ("", [("replace_lines", {"start_line": 1, "end_line": 1, "new_text": "x"})], [], "outside"),
    ],
)
def test_session_failures_say_why(text: str, calls: list, errors: list, why: str) -> None:
    s = _session("fix")
    s.feed(text, calls, errors)
    assert s.outcome is not None and not s.outcome.ok and s.outcome.edits == []
    assert s.outcome.message.startswith("Qwen made no edit: ") and why in s.outcome.message


def test_explain_returns_the_text() -> None:
    s = _session("explain")
    s.feed("<think>hmm</think>It multiplies **w** by **h**.", [])
    assert s.outcome is not None and s.outcome.ok
    assert s.outcome.message == "It multiplies **w** by **h**."
    empty = _session("explain")
    empty.feed("", [])
    assert empty.outcome is not None and not empty.outcome.ok
