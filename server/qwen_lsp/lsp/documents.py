"""Document notifications, registered once and fanned out to every feature that follows them.

pygls keeps one user handler per method (after its own text sync), so features subscribe here
instead of registering didOpen/didChange/didSave/didClose themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from .server import QwenLanguageServer

Listener = Callable[["QwenLanguageServer", Any], None]


@dataclass
class DocumentEvents:
    opened: list[Listener] = field(default_factory=list)
    changed: list[Listener] = field(default_factory=list)
    saved: list[Listener] = field(default_factory=list)
    closed: list[Listener] = field(default_factory=list)


def register(server: QwenLanguageServer) -> None:
    events = server.document_events

    def fan_out(listeners: list[Listener]) -> Listener:
        def notify(ls: QwenLanguageServer, params: Any) -> None:
            for listener in listeners:
                listener(ls, params)

        return notify

    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(fan_out(events.opened))
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(fan_out(events.changed))
    server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(
        fan_out(events.saved)
    )
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(fan_out(events.closed))
