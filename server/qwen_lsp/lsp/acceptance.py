"""Acceptance events with Copilot's names and shapes, so clients that speak them work as is.

Each inline item carries `command` `{command: "qwen.didAcceptCompletionItem", arguments: [id]}`,
run by the client on accept; `textDocument/didShowCompletion` `{item}` (with our optional
`feltMs`: the client's own time from the keystroke to the item on screen) and
`textDocument/didPartiallyAcceptCompletion` `{item, acceptedLength}` (UTF-16 units from the start
of the item's insertText) identify the item by that command's first argument.
"""

from __future__ import annotations

import time
from typing import Any

from lsprotocol import types

from .. import acceptance_file
from .server import QwenLanguageServer

ACCEPT = "qwen.didAcceptCompletionItem"
DID_SHOW = "textDocument/didShowCompletion"
DID_PARTIALLY_ACCEPT = "textDocument/didPartiallyAcceptCompletion"
SYNC_INTERVAL_S = 5.0  # the file is written at most this often, and at shutdown


def register(server: QwenLanguageServer) -> None:
    server.feature(DID_SHOW)(did_show)
    server.feature(DID_PARTIALLY_ACCEPT)(did_partially_accept)
    server.command(ACCEPT)(did_accept)


def accept_command(item_id: str) -> types.Command:
    return types.Command(title="Accept suggestion", command=ACCEPT, arguments=[item_id])


def did_show(ls: QwenLanguageServer, params: Any) -> None:
    if (item_id := _item_id(field_of(params, "item"))) is not None:
        _changed(ls, ls.acceptance.shown(item_id))
        felt = field_of(params, "feltMs")  # ours: keystroke to ghost text, as the client timed it
        if isinstance(felt, (int, float)) and not isinstance(felt, bool) and 0 <= felt < 3.6e6:
            ls.stats.record_felt(item_id, float(felt))


def did_partially_accept(ls: QwenLanguageServer, params: Any) -> None:
    item_id = _item_id(field_of(params, "item"))
    length = field_of(params, "acceptedLength")
    if item_id is not None and isinstance(length, int) and not isinstance(length, bool):
        _changed(ls, ls.acceptance.partly_accepted(item_id, length))


def did_accept(ls: QwenLanguageServer, *args: Any) -> None:
    if args and isinstance(args[0], str):
        _changed(ls, ls.acceptance.accepted(args[0]))


def load(ls: QwenLanguageServer) -> None:
    """Read the lifetime figures at start, when they are kept."""
    if ls.settings.acceptance.persist:
        acceptance_file.sync(ls.acceptance)
        ls.acceptance_synced_at = time.monotonic()


def save(ls: QwenLanguageServer, force: bool = False) -> None:
    due = time.monotonic() - ls.acceptance_synced_at >= SYNC_INTERVAL_S
    if ls.settings.acceptance.persist and ls.acceptance.unsaved and (force or due):
        acceptance_file.sync(ls.acceptance)
        ls.acceptance_synced_at = time.monotonic()


def _changed(ls: QwenLanguageServer, known: bool) -> None:
    if known:
        save(ls)


def _item_id(item: Any) -> str | None:
    """The id in the item's accept command (Copilot's `command.arguments[0]`)."""
    arguments = field_of(field_of(item, "command"), "arguments")
    if isinstance(arguments, (list, tuple)) and arguments and isinstance(arguments[0], str):
        return arguments[0]
    return None


def field_of(value: Any, name: str) -> Any:
    """A field of notification params: pygls gives custom methods' params as named tuples."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)
