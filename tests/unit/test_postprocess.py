"""Golden post-processing cases per language, through the real pipeline functions."""

from __future__ import annotations

import random

import pytest

from qwen_lsp.engine.completion import CompletionRequest, build_prompt, format_completion
from qwen_lsp.engine.postprocess import postprocess
from qwen_lsp.engine.shape import decide_shape
from qwen_lsp.engine.site import Site
from qwen_lsp.settings import CompletionSettings, ContextSettings

try:  # tests/unit may or may not be a package
    from .golden_cases import Case, load_cases
except ImportError:
    from golden_cases import Case, load_cases  # type: ignore[no-redef]

pytestmark = pytest.mark.unit

CASES = load_cases()


def complete(case: Case) -> str:
    request = CompletionRequest(
        uri="file://" + case.path,
        version=1,
        path=case.path,
        language_id=case.language,
        text=case.text,
        offset=case.offset,
    )
    settings = CompletionSettings()
    plan = build_prompt(request, settings, ContextSettings())
    return format_completion(case.model, plan, settings)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_golden_postprocessing(case: Case) -> None:
    inserted = complete(case)
    accepted = case.text[: case.offset] + inserted + case.text[case.offset :]
    assert accepted == case.accepted, f"prevents: {case.problem}; inserted {inserted!r}"


def test_every_language_covers_the_main_problems() -> None:
    needed = {"duplicated suffix", "wrong indentation", "doubled closing bracket"}
    needed |= {"whitespace-only", "syntax error"}
    for language in {c.language for c in CASES} - {"plaintext"}:
        problems = {c.problem for c in CASES if c.language == language}
        assert needed <= problems, f"{language} lacks {needed - problems}"
        assert any("mid-line" in p for p in problems), f"{language} lacks mid-line noise"


@pytest.mark.parametrize("marker", ["<|endoftext|>", "<|file_sep|>", "<|fim_prefix|>"])
def test_stops_at_fim_markers(marker: str) -> None:
    site = Site("def f():\n    ", "\n", "python", multiline=True)
    assert postprocess(f"return 1{marker}junk", site) == "return 1"


def test_crlf_documents_get_crlf_lines() -> None:
    site = Site("def f():\r\n    ", "\r\n", "python", multiline=True)
    assert postprocess("x = 1\n    return x", site) == "x = 1\r\n    return x"


def test_max_lines_caps_a_block() -> None:
    site = Site("def f():\n    ", "\n", "python", multiline=True, max_lines=2)
    assert postprocess("a = 1\n    b = 2\n    c = 3", site) == "a = 1\n    b = 2"


PIECES = [*"ab \n\t()[]{}'\"`:;,.=#-/*\\", "def ", "end", "fn ", "é", "😀", "\r\n", '"""', "--[["]
MARKERS = ["<|endoftext|>", "<|fim_middle|>", "<|file_sep|>"]


@pytest.mark.parametrize("language", ["python", "typescriptreact", "rust", "go", "lua", "text"])
def test_garbage_gives_ghost_text_of_the_chosen_shape_or_none(language: str) -> None:
    """Whatever the document and the model say, the user sees text of the promised shape, never
    markers or bare whitespace (and the server never dies)."""
    rng = random.Random(language)
    shown = 0
    for _ in range(150):
        doc = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 120)))
        generated = "".join(rng.choice(PIECES + MARKERS) for _ in range(rng.randint(0, 60)))
        cursor = rng.randint(0, len(doc))
        before, after = doc[:cursor], doc[cursor:]
        shape = decide_shape(before, after, language)
        site = Site(before, after, language, shape.multiline, max_lines=4)
        result = postprocess(generated, site)
        if not result:
            continue
        shown += 1
        assert result.strip(), repr(result)
        assert not any(marker in result for marker in MARKERS), repr(result)
        lines = result.replace("\r\n", "\n").removesuffix("\n").split("\n")
        assert len(lines) <= (4 if shape.multiline else 1), (shape, repr(result))
    assert shown >= 10  # the properties above were checked on real output
