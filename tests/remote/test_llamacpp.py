"""The llama.cpp backend against llama.cpp's own server (built by `make llama-server`) serving
the trained test model as GGUF: completions through /infill, token counts from its timings,
the KV cache kept between keystrokes, and the API key taken from the named variable only."""

from __future__ import annotations

import os

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from ..model.holes import assert_holes_filled
from ..protocol.lsp_helpers import (
    SERVER,
    background_done,
    focus,
    inline_params,
    insert,
    open_document,
    reuse_after_one_keystroke,
    start_session,
    stats,
    wait_for_worker,
)
from .conftest import LLAMA_KEY, LLAMA_KEY_ENV

pytestmark = [pytest.mark.remote, pytest.mark.model]

HOLES = 12
EXACT_SHARE = 0.75  # the local worker fills ~80% of holes with the exact line (tests/model)
WITH_KEY = ClientServerConfig(
    server_command=SERVER.server_command, server_env={**os.environ, LLAMA_KEY_ENV: LLAMA_KEY}
)


@pytest_lsp.fixture(config=WITH_KEY)
async def client(lsp_client: LanguageClient, llama_server: str):
    remote = {"url": llama_server, "apiKeyEnv": LLAMA_KEY_ENV}
    await start_session(lsp_client, {"backend": "llamacpp", "remote": remote})
    await wait_for_worker(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def test_completions_come_from_llama_server(client: LanguageClient, llama_server: str):
    await assert_holes_filled(client, HOLES, EXACT_SHARE)
    current = await stats(client)
    assert current["worker"]["backend"] == "llamacpp"
    assert current["worker"]["host"] == llama_server.removeprefix("http://")
    assert current["model_calls"] == HOLES and current["errors"] == 0
    assert current["prompt_tokens"] > 0 and current["generated_tokens"] > 0  # from `timings`
    # The key went to the server only: never into a message, log line or answer to the editor.
    shown = [*(m.message for m in client.messages), *(m.message for m in client.log_messages)]
    assert not [text for text in shown if LLAMA_KEY in text]
    assert LLAMA_KEY not in str(current)


async def test_next_keystroke_reuses_the_servers_kv_cache(client: LanguageClient):
    uri = "file:///work/demo/cache/wordcount.py"
    text = "import sys\n\n\ndef count_words(text):\n    words = text.split()\n    return \n"
    prompt, reused = await reuse_after_one_keystroke(client, uri, text, 5, 11, "l")
    assert prompt > 0 and reused >= 0.8 * prompt, (prompt, reused)  # cache_prompt: only the tail


async def test_a_focused_file_is_prefilled_before_the_first_keystroke(client: LanguageClient):
    uri = "file:///work/demo/cache/prewarm.py"
    text = "import sys\n\n\ndef count_words(text):\n    words = text.split()\n    return \n"
    open_document(client, uri, text)
    focus(client, uri, 5, 11)  # /infill with n_predict 0, as llama.vim warms its cache
    warmed = await background_done(client)
    assert warmed["background"]["prompt_tokens"] > 0, warmed["background"]
    # llama.cpp counts one predicted token even for n_predict 0.
    assert warmed["background"]["generated_tokens"] <= 1 and warmed["model_calls"] == 0
    insert(client, uri, 2, 5, 11, "l")
    await client.text_document_inline_completion_async(inline_params(uri, 5, 12))
    first = await stats(client)  # the first keystroke's request, warm
    assert first["prompt_tokens"] > 0
    assert first["reused_prompt_tokens"] >= 0.8 * first["prompt_tokens"], first


@pytest_lsp.fixture(config=SERVER)
async def keyless_client(lsp_client: LanguageClient, llama_server: str):
    remote = {"url": llama_server, "apiKeyEnv": LLAMA_KEY_ENV}  # names a variable that is unset
    await start_session(lsp_client, {"backend": "llamacpp", "remote": remote})
    yield
    await lsp_client.shutdown_session()


async def test_missing_key_is_a_clear_error(keyless_client: LanguageClient):
    client = keyless_client
    await wait_for_worker(client, state="failed")  # shown to the user, until settings change
    uri = "file:///work/demo/nokey.py"
    open_document(client, uri, "def f():\n    return \n")
    result = await client.text_document_inline_completion_async(inline_params(uri, 1, 11))
    assert result is not None and not result.items
    current = await stats(client)
    assert f"${LLAMA_KEY_ENV}" in current["worker"]["error"] and current["errors"] == 1
    assert any(LLAMA_KEY_ENV in m.message for m in client.messages)
