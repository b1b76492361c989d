"""The likeliest first tokens a Generate asks for (`first_choices`): the server computes ahead
the suggestions after the keys they begin (completion.nextKeys)."""

from __future__ import annotations

from pathlib import Path

import pytest
from models import trained_model_dir

from qwen_lsp import messages as m
from qwen_lsp.backend import PipeBackend, WorkerSpec
from qwen_lsp.engine.fim import FimParts, render_fim_prompt

from .worker_events import Recorder

pytestmark = [pytest.mark.worker, pytest.mark.model]  # the trained model: real first tokens

CORPUS = Path(__file__).resolve().parents[1] / "fixtures/corpus"


@pytest.fixture(params=["all", "off"], ids=["speculating", "plain"])
async def worker(request):
    spec = WorkerSpec(model=str(trained_model_dir()), speculation=request.param)
    backend = PipeBackend(spec, Recorder())
    await backend.start()
    yield backend
    await backend.stop()


def fim(cut: int, first_choices: int = 0, answer_within_ms: int = 0) -> m.Generate:
    source = sorted(CORPUS.glob("*.py"))[0].read_text()
    line_start = source.rindex("\n", 0, cut) + 1
    parts = FimParts(
        path="a.py", prefix=source[:line_start], line_prefix=source[line_start:cut],
        suffix=source[cut:],
    )  # fmt: skip
    return m.Generate(
        id=0, prompt=render_fim_prompt(parts), cache_key="a.py", max_tokens=12,
        first_choices=first_choices, answer_within_ms=answer_within_ms,
    )  # fmt: skip


async def test_the_likeliest_first_token_is_the_one_greedy_decoding_takes(worker: PipeBackend):
    checked = 0
    for cut in (200, 400, 700):
        plain = await worker.request(fim(cut))
        asked = await worker.request(fim(cut, first_choices=5))
        assert asked.text == plain.text  # naming them changes nothing generated
        assert plain.first_choices == []  # not asked: not looked for
        probabilities = [choice.probability for choice in asked.first_choices]
        assert 0 < len(probabilities) <= 5
        assert probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1.0001
        assert all(choice.text and "\ufffd" not in choice.text for choice in asked.first_choices)
        if plain.text:  # else the model ended at once: its stop token is no choice
            assert plain.text.startswith(asked.first_choices[0].text)
            checked += 1
    assert checked  # at least one cursor where the model writes something


async def test_an_early_answer_names_them_too(worker: PipeBackend):
    early: list[m.EarlyAnswer] = []
    done = await worker.request(
        fim(400, first_choices=3, answer_within_ms=1), on_early=early.append
    )
    [answer] = early
    assert answer.first_choices == done.first_choices and done.first_choices
