"""`answer_within_ms` over HTTP (llama.cpp's server with the trained test model): the early
answer is read off the stream, which goes on to the whole suggestion."""

from __future__ import annotations

import pytest
from models import REPO_CORPUS

from qwen_lsp import messages as m
from qwen_lsp.backend.http import RemoteSpec
from qwen_lsp.backend.llamacpp import LlamaCppBackend
from qwen_lsp.engine.fim import FimParts, render_fim_prompt

from ..worker.worker_events import Recorder
from .conftest import LLAMA_KEY, LLAMA_KEY_ENV

pytestmark = [pytest.mark.remote, pytest.mark.model]


def hole(line_prefix: str) -> m.Generate:
    text = (REPO_CORPUS / "temperature.py").read_text()
    line = "    return (fahrenheit - 32) * 5 / 9\n"
    at = text.index(line)
    parts = FimParts(
        path="temperature.py",
        prefix=text[:at],
        line_prefix=line_prefix,
        suffix="\n" + text[at + len(line) :],
    )
    return m.Generate(id=0, prompt=render_fim_prompt(parts), max_tokens=32, stop=["\n"])


async def test_the_early_answer_begins_the_whole_one(llama_server: str, monkeypatch):
    monkeypatch.setenv(LLAMA_KEY_ENV, LLAMA_KEY)
    spec = RemoteSpec(kind="llamacpp", url=llama_server, api_key_env=LLAMA_KEY_ENV)
    backend = LlamaCppBackend(spec, Recorder())
    try:
        plain = await backend.request(hole("    return "))
        early: list[m.EarlyAnswer] = []
        boxed = hole("    return ")
        boxed.answer_within_ms = 1
        done = await backend.request(boxed, on_early=early.append)
    finally:
        await backend.stop()
    assert plain.text.strip() and done.text == plain.text
    [answer] = early
    assert answer.text.strip() and done.text.startswith(answer.text)
    assert answer.usage.generated_tokens <= done.usage.generated_tokens
