"""The OpenAI-compatible backend against mlx_lm.server serving the trained test model:
completions through /v1/completions, a code action's tool call through /v1/chat/completions
applied as an edit, and the token counts from the server's `usage`."""

from __future__ import annotations

import pytest
import pytest_lsp
from pytest_lsp import LanguageClient

from qwen_lsp.engine import definitions, syntax

from ..model.holes import assert_holes_filled
from ..protocol import corpus
from ..protocol.action_helpers import GREEDY, corpus_actions
from ..protocol.editor import Editor, apply_text_edits
from ..protocol.lsp_helpers import SERVER, start_session, stats, wait_for_worker

pytestmark = [pytest.mark.remote, pytest.mark.model]

HOLES = 12
EXACT_SHARE = 0.75  # the local worker fills ~80% of holes with the exact line (tests/model)


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, mlx_server: str):
    options = {"backend": "openai", "remote": {"url": f"{mlx_server}/v1"}, **GREEDY}
    await start_session(lsp_client, options)
    await wait_for_worker(lsp_client)
    lsp_client.editor = Editor(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_completions_come_from_mlx_lm_server(client: LanguageClient, mlx_server: str):
    # The cursor after the indentation: mlx_lm.server drops the first leading space of every
    # streamed answer (mlx-lm's BPEStreamingDetokenizer), so a completion that starts with
    # indentation comes back one space short (README: Remote model servers).
    await assert_holes_filled(client, HOLES, EXACT_SHARE, indented=True)
    current = await stats(client)
    assert current["worker"]["backend"] == "openai"
    assert current["worker"]["host"] == mlx_server.removeprefix("http://")
    assert current["model_calls"] == HOLES
    assert current["prompt_tokens"] > 0 and current["generated_tokens"] > 0  # from `usage`


async def test_code_action_tool_call_becomes_an_applied_edit(client: LanguageClient):
    editor: Editor = client.editor  # type: ignore[attr-defined]
    uri, text, d, listed = await corpus_actions(client, "python", *corpus.TARGETS["python"])
    resolved = await client.code_action_resolve_async(listed["docstring"])
    assert resolved.edit is not None, client.messages[-1].message if client.messages else ""
    changes = corpus.single_change(resolved.edit, uri)
    assert editor.apply(resolved.edit)
    after = editor.texts[uri]
    assert after == apply_text_edits(text, changes) and syntax.parses_cleanly("python", after)
    found = definitions.find("python", after, d.name)
    assert found is not None and found.documented
