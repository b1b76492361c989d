"""The protocol layer: the only package that imports pygls / lsprotocol."""

from __future__ import annotations

from . import (
    acceptance,
    actions,
    commands,
    completion,
    completion_state,
    debounce,
    docs_on_save,
    documents,
    lifecycle,
    prefetch,
)
from .server import QwenLanguageServer

FEATURES = (
    lifecycle,
    completion,
    completion_state,
    debounce,
    commands,
    acceptance,
    actions,
    docs_on_save,
    prefetch,
)


def create_server() -> QwenLanguageServer:
    server = QwenLanguageServer()
    for feature in FEATURES:
        feature.register(server)
    documents.register(server)  # after the features have subscribed to document events
    return server
