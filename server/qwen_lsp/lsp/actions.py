"""Code actions: listed at once (no model call), resolved by a model run with tool calls.

Add docstring / Fix / Write tests are resolved by `codeAction/resolve` into a versioned edit
(`action_resolve`). Explain and Refactor… are commands (`action_commands`): Refactor needs the
user's instruction (the clients ask for it and pass it as `instruction`), Explain opens its
answer as a markdown document. Listing is `action_list`.
"""

from __future__ import annotations

from lsprotocol import types

from .action_commands import EXPLAIN, REFACTOR, explain, refactor
from .action_list import code_actions
from .action_resolve import resolve_code_action
from .server import QwenLanguageServer


def register(server: QwenLanguageServer) -> None:
    kinds = sorted({types.CodeActionKind.QuickFix, types.CodeActionKind.Refactor})
    options = types.CodeActionOptions(code_action_kinds=kinds, resolve_provider=True)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(code_actions)
    server.feature(types.CODE_ACTION_RESOLVE)(resolve_code_action)
    server.command(REFACTOR)(refactor)
    server.command(EXPLAIN)(explain)
