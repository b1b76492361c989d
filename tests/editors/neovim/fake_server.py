"""A scripted language server for the plugin's client-side mechanics (stdlib only).

The real server with a random-weight model suggests little and unpredictably; this one answers
textDocument/inlineCompletion from `initializationOptions.fake`:

    {"completions": {"<line up to the cursor>": "<suggestion>", ...},
     "delays_ms": {"<line up to the cursor>": 300, ...}}

and records what it receives; `workspace/executeCommand` `fake.log` returns that record:
[{"method": ..., "id": ..., "line": ...} | {"method": "$/cancelRequest", "id": ...}, ...].
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

REQUEST_CANCELLED = -32800

write_lock = threading.Lock()
cancelled: set[int | str] = set()
documents: dict[str, list[str]] = {}
log: list[dict[str, Any]] = []
script: dict[str, Any] = {}


def send(message: dict[str, Any]) -> None:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    with write_lock:
        sys.stdout.buffer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        sys.stdout.buffer.flush()


def read() -> dict[str, Any] | None:
    length = 0
    while (line := sys.stdin.buffer.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(sys.stdin.buffer.read(length)) if length else None


def line_before_cursor(params: dict[str, Any]) -> str:
    lines = documents.get(params["textDocument"]["uri"], [])
    position = params["position"]
    line = lines[position["line"]] if position["line"] < len(lines) else ""
    return line[: position["character"]]  # ASCII in the scenarios: UTF-16 = code points


def complete(request_id: int | str, before: str) -> None:
    """Answers after the scripted delay, or with RequestCancelled if cancelled meanwhile."""
    delay = script.get("delays_ms", {}).get(before, 0) / 1000
    if delay:
        threading.Event().wait(delay)
    if request_id in cancelled:
        send({"id": request_id, "error": {"code": REQUEST_CANCELLED, "message": "cancelled"}})
        return
    text = script.get("completions", {}).get(before)
    items = [{"insertText": text}] if text else []
    send({"id": request_id, "result": {"items": items}})


def handle(message: dict[str, Any]) -> bool:
    method, params, request_id = message.get("method"), message.get("params"), message.get("id")
    if method == "initialize":
        script.update((params.get("initializationOptions") or {}).get("fake", {}))
        capabilities = {
            "textDocumentSync": 1,
            "inlineCompletionProvider": {},
            "executeCommandProvider": {"commands": ["fake.log"]},
        }
        send({"id": request_id, "result": {"capabilities": capabilities}})
    elif method in ("textDocument/didOpen", "textDocument/didChange"):
        text = params["textDocument"]["text"] if method.endswith("didOpen") else None
        text = text if text is not None else params["contentChanges"][-1]["text"]
        documents[params["textDocument"]["uri"]] = text.split("\n")
    elif method == "textDocument/inlineCompletion":
        before = line_before_cursor(params)
        log.append({"method": method, "id": request_id, "line": before})
        threading.Thread(target=complete, args=(request_id, before), daemon=True).start()
    elif method == "$/cancelRequest":
        cancelled.add(params["id"])
        log.append({"method": method, "id": params["id"]})
    elif method == "workspace/executeCommand":
        send({"id": request_id, "result": log})
    elif method == "shutdown":
        send({"id": request_id, "result": None})
    elif method == "exit":
        return False
    elif request_id is not None:
        send({"id": request_id, "result": None})
    return True


def main() -> None:
    while (message := read()) is not None and handle(message):
        pass


if __name__ == "__main__":
    main()
