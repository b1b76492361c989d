"""A scripted language server for the plugin's client-side mechanics (stdlib only).

The real server with a random-weight model suggests little and unpredictably; this one answers
textDocument/inlineCompletion from `initializationOptions.fake`:

    {"completions": {"<line up to the cursor>": "<suggestion>", ...},
     "delays_ms": {"<line up to the cursor>": 300, ...}}

offers two code actions on the cursor's line, shaped like qwen-lsp's: "Add docstring" (its
edit comes from codeAction/resolve: a docstring line below) and "Refactor…" (the command
`qwen.refactor`, whose `instruction` argument it writes as a comment above the line through
workspace/applyEdit), and records what it receives; `workspace/executeCommand` `fake.log`
returns that record: [{"method": ..., "id": ..., "line": ..., "instruction": ...}, ...].
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


def insert_line(uri: str, line: int, text: str) -> dict[str, Any]:
    """A WorkspaceEdit inserting `text` as a new line before `line`."""
    at = {"line": line, "character": 0}
    edit = {"range": {"start": at, "end": at}, "newText": text + "\n"}
    return {"changes": {uri: [edit]}}


def code_actions(params: dict[str, Any]) -> list[dict[str, Any]]:
    data = {"uri": params["textDocument"]["uri"], "line": params["range"]["start"]["line"]}
    refactor = {"title": "Refactor…", "command": "qwen.refactor", "arguments": [data]}
    return [
        {"title": "Add docstring", "kind": "refactor.rewrite.qwen.docstring", "data": data},
        {"title": "Refactor…", "kind": "refactor.rewrite.qwen.refactor", "command": refactor},
    ]


def resolve(action: dict[str, Any]) -> dict[str, Any]:
    """Only "Add docstring" resolves into an edit; a command action comes back as it was."""
    if "data" not in action:
        return action
    data = action["data"]
    log.append({"method": "codeAction/resolve", "line": data["line"]})
    docstring = '    """Fake docstring."""'
    return {**action, "edit": insert_line(data["uri"], data["line"] + 1, docstring)}


def execute_command(request_id: int | str, params: dict[str, Any]) -> None:
    if params["command"] == "qwen.refactor":
        data = params["arguments"][0]
        log.append({"method": params["command"], "instruction": data.get("instruction")})
        edit = insert_line(data["uri"], data["line"], "# " + data["instruction"])
        send({"id": "apply-1", "method": "workspace/applyEdit", "params": {"edit": edit}})
        send({"id": request_id, "result": {"applied": True, "message": ""}})
    else:
        send({"id": request_id, "result": log})


def handle(message: dict[str, Any]) -> bool:
    method, params, request_id = message.get("method"), message.get("params"), message.get("id")
    if method is None:  # the client's answer to workspace/applyEdit
        log.append({"method": "response", "id": request_id, "result": message.get("result")})
    elif method == "initialize":
        script.update((params.get("initializationOptions") or {}).get("fake", {}))
        capabilities = {
            "textDocumentSync": 1,
            "inlineCompletionProvider": {},
            "codeActionProvider": {"resolveProvider": True},
            "executeCommandProvider": {"commands": ["fake.log", "qwen.refactor"]},
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
    elif method == "qwen/didFocus":
        uri, line = params["textDocument"]["uri"], params["position"]["line"]
        log.append({"method": method, "uri": uri, "line": line})
    elif method == "$/cancelRequest":
        cancelled.add(params["id"])
        log.append({"method": method, "id": params["id"]})
    elif method == "textDocument/codeAction":
        send({"id": request_id, "result": code_actions(params)})
    elif method == "codeAction/resolve":
        send({"id": request_id, "result": resolve(params)})
    elif method == "workspace/executeCommand":
        execute_command(request_id, params)
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
