"""Requests the server really sends, for checking and measuring speculation.

FIM prompts at random cursors of the corpus (the rest of the line, or a few lines, cut out, as
the trained model learned them), FIM holes whose answer is copied from elsewhere in the file,
and the first turn of every code action on its definitions; `forget_tail` leaves a cache as a
keystroke does.
"""

from __future__ import annotations

import random
from pathlib import Path

from tiny_model.chat_examples import action_requests
from tiny_model.fim_examples import SourceFile, fim_prompt, random_span

from qwen_lsp import messages as m
from qwen_lsp.engine import actions
from qwen_lsp.worker.host import ModelHost

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


def fim_copy_requests(min_chars: int = 8, max_tokens: int = 48) -> list[m.Generate]:
    """Holes whose answer appears verbatim elsewhere in the prompt: on each line, the longest
    rest of the line (`min_chars` or more, spaces aside) found elsewhere in the document."""
    out = []
    for path in CORPUS:
        source = SourceFile.read(path)
        for start, end in source.line_spans():
            for cursor in range(start, end):
                middle, document = source.text[cursor:end], source.text[:cursor] + source.text[end:]
                if len(middle.strip()) >= min_chars and middle in document:
                    prompt = fim_prompt(document, cursor, source.path)
                    key, limit = source.path, max_tokens
                    out.append(m.Generate(id=0, prompt=prompt, cache_key=key, max_tokens=limit))
                    break
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


def forget_tail(host: ModelHost, request: m.Generate | m.Chat, new_tokens: int) -> None:
    """Leave the request's cache holding all but its prompt's last `new_tokens`, as after a
    keystroke (the cursor line's start ends a FIM prompt)."""
    tokens = host._encode(request)
    cache, kept = host.caches.take(request.cache_key, tokens[: len(tokens) - new_tokens + 1])
    host.caches.put(request.cache_key, tokens[:kept], cache)
