"""Requests the server really sends, for checking and measuring speculation.

FIM prompts at random cursors of the corpus (the rest of the line, or a few lines, cut out, as
the trained model learned them) and the first turn of every code action on its definitions.
"""

from __future__ import annotations

import random
from pathlib import Path

from tiny_model.chat_examples import action_requests
from tiny_model.fim_examples import SourceFile, fim_prompt, random_span

from qwen_lsp import messages as m
from qwen_lsp.engine import actions

CORPUS = sorted((Path(__file__).resolve().parents[1] / "tests/fixtures/corpus").iterdir())


def fim_requests(count: int, seed: int, max_tokens: int = 48) -> list[m.Generate]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        source = SourceFile.read(rng.choice(CORPUS))
        start, end = random_span(source, rng)
        prompt = fim_prompt(source.text[:start] + source.text[end:], start, source.path)
        out.append(m.Generate(id=0, prompt=prompt, cache_key=source.path, max_tokens=max_tokens))
    return out


def action_chats(seed: int, max_tokens: int = 256) -> dict[str, list[m.Chat]]:
    """The first turn of each action, greedy, by action kind."""
    rng = random.Random(seed)
    chats: dict[str, list[m.Chat]] = {}
    for path in CORPUS:
        for req, _ in action_requests(SourceFile.read(path), rng):
            session = actions.ActionSession(req)
            chat = m.Chat(
                id=0,
                messages=session.messages,
                tools=session.tools,
                cache_key=f"action:{req.path}",
                max_tokens=max_tokens,
                sampling=m.Sampling(0.0),
            )
            chats.setdefault(req.kind, []).append(chat)
    return chats
