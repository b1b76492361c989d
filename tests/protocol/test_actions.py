"""Code actions through the real server and the random-weight worker (`make tiny-model`).

Listing makes no model call; the model makes no tool call, so every resolve comes back with no
edit and a message that says why; Refactor… and Explain run as commands.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .action_helpers import SOURCE, URI, diagnostic, list_actions, open_demo
from .lsp_helpers import SERVER, stats

pytestmark = pytest.mark.protocol

FAST = {"actions": {"maxTokens": 24}}


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, tiny_model):
    lsp_client.editor = await open_demo(lsp_client, tiny_model, FAST)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_listing_makes_no_model_call_and_random_model_resolves_to_no_edit(
    client: LanguageClient,
):
    caps = client.initialize_result.capabilities  # type: ignore[attr-defined]
    provider = caps.code_action_provider
    assert isinstance(provider, types.CodeActionOptions) and provider.resolve_provider
    commands = caps.execute_command_provider.commands
    assert {"qwen.refactor", "qwen.explain", "qwen.generateDocs"} <= set(commands)

    before = await stats(client)
    actions = await list_actions(client, 4, [diagnostic(4, "Operator ** not supported")])
    assert set(actions) == {"docstring", "fix", "explain", "refactor", "tests"}
    assert actions["docstring"].title == "Add docstring with Qwen: circle_area"
    assert actions["fix"].title == "Fix with Qwen: Operator ** not supported"
    assert actions["fix"].kind == types.CodeActionKind.QuickFix
    assert actions["fix"].diagnostics[0].message == "Operator ** not supported"  # type: ignore[index]
    assert actions["explain"].command and actions["explain"].command.command == "qwen.explain"
    assert actions["refactor"].command and actions["refactor"].command.command == "qwen.refactor"
    assert all(a.edit is None for a in actions.values())
    assert await list_actions(client, 0) == {}  # outside any definition, no diagnostics
    assert (await stats(client))["model_calls"] == before["model_calls"]

    # The random-weight model makes no tool call: no edit, and a message that says why.
    for kind in ("docstring", "fix", "tests"):
        calls = (await stats(client))["model_calls"]
        resolved = await client.code_action_resolve_async(actions[kind])
        assert resolved.edit is None
        assert (await stats(client))["model_calls"] > calls
        assert client.messages[-1].type == types.MessageType.Warning
        assert client.messages[-1].message.startswith("qwen-lsp: Qwen made no edit: ")
    assert client.editor.texts[URI] == SOURCE  # type: ignore[attr-defined]

    # Each resolve ran under cancellable work-done progress.
    begins = [
        r
        for reports in client.progress_reports.values()
        for r in reports
        if isinstance(r, types.WorkDoneProgressBegin) and "with Qwen" in r.title
    ]
    assert len(begins) == 3 and all(b.cancellable for b in begins)


async def test_refactor_and_explain_commands(client: LanguageClient):
    actions = await list_actions(client, 4)
    for data in (
        {"kind": "fix", "uri": "file:///nope.py", "start_line": 0, "end_line": 0},
        {**actions["docstring"].data, "start_line": 99, "end_line": 120},  # type: ignore[dict-item]
    ):
        with pytest.raises(JsonRpcException) as raised:
            await client.code_action_resolve_async(types.CodeAction(title="x", data=data))
        assert raised.value.code == -32602
    command = actions["refactor"].command
    assert command is not None and command.arguments
    params = types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    result = await client.workspace_execute_command_async(params)
    assert result == {"applied": False, "message": "no instruction"}
    with_text = [{**command.arguments[0], "instruction": "use math.tau"}]
    params = types.ExecuteCommandParams(command=command.command, arguments=with_text)
    result = await client.workspace_execute_command_async(params)
    assert result["applied"] is False and "no edit" in result["message"]
    assert client.editor.applied == []  # type: ignore[attr-defined]

    command = actions["explain"].command
    assert command is not None
    params = types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    result = await client.workspace_execute_command_async(params)
    if result["uri"] is None:  # the random model said nothing: a message says so
        assert client.messages[-1].message.startswith("qwen-lsp: Qwen made no edit")
        return
    shown = client.shown_documents[-1]
    assert shown.uri == result["uri"] and shown.uri.endswith(".md") and shown.take_focus
    path = Path(shown.uri.removeprefix("file://"))
    assert path.read_text().startswith("# circle_area — geometry.py")
