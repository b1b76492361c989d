"""A FIM prompt's tokens, with those of the text before its middle marker remembered.

While typing, the text before `<|fim_middle|>` (repository section, lines above, suffix) stays the
same from keystroke to keystroke; only the middle (the current line up to the cursor) changes.
The tokenizer splits at added tokens before anything else, so the tokens before the marker do not
depend on what follows it: they are looked up instead of encoded again (encoding a 2.4k-token
prompt took ~15 ms on this 2-core machine; the middle alone, 0.03 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachetools import LRUCache

from ..engine.fim import FIM_MIDDLE

REMEMBERED = 16  # prompts' heads (a few documents, each with its background work)


class PromptTokens:
    """`encode(prompt)`, reusing the tokens of the text before `marker` (an added token)."""

    def __init__(self, encode: Callable[[str], list[int]], marker: str) -> None:
        self._encode, self._marker = encode, marker
        self._heads: LRUCache[str, list[int]] = LRUCache(maxsize=REMEMBERED)

    def __call__(self, prompt: str) -> list[int]:
        head, marker, tail = prompt.rpartition(self._marker)
        if not marker or not head:
            return self._encode(prompt)
        tokens = self._heads.get(head)
        if tokens is None:
            tokens = self._heads[head] = self._encode(head)
        return tokens + self._encode(marker + tail)


def prompt_encoder(tokenizer: Any) -> Callable[[str], list[int]]:
    """A raw prompt's tokens; FIM prompts' head remembered where the middle marker is an added
    token (the tokenizer then splits there first: the same tokens as encoding it whole)."""

    def encode(text: str) -> list[int]:
        return list(tokenizer.encode(text, add_special_tokens=False))

    added: dict[str, int] = getattr(tokenizer, "get_added_vocab", dict)()
    return PromptTokens(encode, FIM_MIDDLE) if FIM_MIDDLE in added else encode
