"""Strings from the client with lone surrogates (JSON allows "\\ud800") become U+FFFD."""

from __future__ import annotations

from qwen_lsp.lsp.protocol import valid_unicode


def test_lone_surrogates_become_replacement_characters_and_the_rest_is_kept():
    message = {"text": "a\ud800b", "list": ["é\udfff", "plain"], "n": 1, "ok": "𝄞 ü"}
    assert valid_unicode(message) == {
        "text": "a\ufffdb",
        "list": ["é\ufffd", "plain"],
        "n": 1,
        "ok": "𝄞 ü",
    }
