"""The protocol layer: the only package that imports pygls / lsprotocol."""

from __future__ import annotations

from . import commands, completion, documents, lifecycle
from .server import QwenLanguageServer

FEATURES = (lifecycle, documents, completion, commands)


def create_server() -> QwenLanguageServer:
    server = QwenLanguageServer()
    for feature in FEATURES:
        feature.register(server)
    return server
