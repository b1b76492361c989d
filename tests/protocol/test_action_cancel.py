"""Cancelling a code action (its progress's Cancel and $/cancelRequest both stop the worker), and
a worker that dies under one."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .action_helpers import list_actions, open_demo
from .lsp_helpers import SERVER, stats, wait_for_worker

pytestmark = pytest.mark.protocol


@pytest_lsp.fixture(config=SERVER)
async def slow_client(lsp_client: LanguageClient, tiny_model):
    slow = {"actions": {"maxTokens": 4000}}
    lsp_client.editor = await open_demo(lsp_client, tiny_model, slow)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_cancel_progress_sends_the_worker_a_cancel(slow_client: LanguageClient):
    client = slow_client
    actions = await list_actions(client, 4)
    pending = asyncio.ensure_future(client.code_action_resolve_async(actions["docstring"]))
    token = None
    for _ in range(100):
        await asyncio.sleep(0.05)
        token = next(
            (t for t, rs in client.progress_reports.items() if str(t).startswith("qwen-action")),
            None,
        )
        if token is not None and client.progress_reports[token]:
            break
    assert token is not None
    await asyncio.sleep(0.3)  # let the generation get going
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    resolved = await asyncio.wait_for(pending, 20)
    assert resolved.edit is None
    assert client.messages[-1].message == "qwen-lsp: cancelled; no edit was made."
    for _ in range(50):
        current = await stats(client)
        if current["cancelled"]:
            break
        await asyncio.sleep(0.1)
    assert current["cancelled"] >= 1 and current["generated_tokens"] < 4000
    assert isinstance(client.progress_reports[token][-1], types.WorkDoneProgressEnd)

    # $/cancelRequest on the resolve itself: -32800, and the worker stops too.
    future = client.protocol.send_request(
        types.CODE_ACTION_RESOLVE, actions["fix" if "fix" in actions else "tests"], msg_id="r-1"
    )
    await asyncio.sleep(0.5)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="r-1"))
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(future), 20)
    assert raised.value.code == -32800
    cancelled = current["cancelled"]
    for _ in range(50):
        current = await stats(client)
        if current["cancelled"] > cancelled:
            break
        await asyncio.sleep(0.1)
    assert current["cancelled"] == cancelled + 1


async def test_a_worker_killed_during_an_action_answers_it_and_tells_once(
    slow_client: LanguageClient,
):
    client = slow_client
    actions = await list_actions(client, 4)
    pid = (await stats(client))["worker"]["pid"]
    pending = asyncio.ensure_future(client.code_action_resolve_async(actions["docstring"]))
    for _ in range(200):  # the model is generating its 4000 tokens
        if (await stats(client))["model_calls"]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert not pending.done()
    os.kill(pid, signal.SIGKILL)
    resolved = await asyncio.wait_for(pending, 30)
    assert resolved.edit is None
    assert (await stats(client))["worker"]["state"] != "ready"  # not held until the reload
    warnings = [m.message for m in client.messages if m.type == types.MessageType.Warning]
    assert warnings == [
        "qwen-lsp: the model worker exited (killed by SIGKILL: out of memory?); "
        "loading the model again."
    ]
    assert (await wait_for_worker(client))["worker"]["pid"] != pid
