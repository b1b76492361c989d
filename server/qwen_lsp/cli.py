"""`qwen-lsp` command line: the language server (stdio) or, as `qwen-lsp worker`, the model."""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from .memory_trace import start_from_env


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        from .worker.main import main as worker_main

        return worker_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="qwen-lsp", description="Qwen3-Coder language server (LSP over stdio)."
    )
    parser.add_argument("--stdio", action="store_true", help="serve LSP on stdio (the default)")
    parser.add_argument("--version", action="version", version=f"qwen-lsp {__version__}")
    parser.add_argument("--log-file", help="also write the server log to this file")
    args = parser.parse_args(argv)
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if args.log_file:
        handlers.append(logging.FileHandler(args.log_file))
    logging.basicConfig(
        level=logging.INFO, handlers=handlers, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    # The event loop gets the interpreter back from the definition-indexing thread within
    # 0.5 ms instead of 5 (each pipe write or read hands it over).
    sys.setswitchinterval(0.0005)
    from .lsp import create_server

    server = create_server()
    start_from_env("server")
    server.start_io()
    return 0
