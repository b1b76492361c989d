"""The server's own work for one keystroke in a big file, in process: CPU time, no model.

After the didOpen (and the line index made in the indexing thread, as a typist's first keystroke
comes later; with --at-once, right after the open, before the thread is done), applies a
didChange (through the document model and every didChange listener) and runs the
inline-completion handler up to the worker call (answered at once with nothing), in a 10 MB
Python file and a 2 MB single-line minified JavaScript file. CPU time of this thread, so the
figure holds on a busy machine. Run it with PYTHONPATH=OTHER_CHECKOUT/server to measure another
checkout's server code the same way (side by side, in one run):

    .venv/bin/python scripts/bench_big_keystroke.py
    PYTHONPATH=/work/main/server .venv/bin/python scripts/bench_big_keystroke.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qwen_lsp  # noqa: E402
from qwen_lsp.lsp import completion, create_server  # noqa: E402
from qwen_lsp.lsp.text_document import adopt  # noqa: E402
from tests.protocol.load_traffic import big_python, minified_js  # noqa: E402


async def case(name: str, language: str, text: str, keystrokes: int, at_once: bool) -> dict:
    ls = create_server()
    workspace = Workspace("file:///bench", sync_kind=types.TextDocumentSyncKind.Incremental)
    adopt(workspace)
    ls.protocol._workspace = workspace

    async def nothing(_generate: object, *_args: object, **_kwargs: object) -> None:
        return None

    ls.backend.request = nothing  # type: ignore[method-assign,assignment]
    uri = f"file:///bench/{name}"
    item = types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
    opened = time.thread_time()
    workspace.put_text_document(item)
    for listener in ls.document_events.opened:
        listener(ls, types.DidOpenTextDocumentParams(text_document=item))
    open_ms = (time.thread_time() - opened) * 1000
    ready_ms = None if at_once else await _structured(workspace.get_text_document(uri))
    if "\n" in text[:-1]:
        line = text.count("\n", 0, len(text) // 2)
        col = len(text.split("\n")[line])
    else:
        line, col = 0, text.index(";", len(text) // 2)
    times = []
    for i in range(keystrokes):
        started = time.thread_time()
        ident = types.VersionedTextDocumentIdentifier(uri=uri, version=i + 2)
        here = types.Position(line=line, character=col + i)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=here, end=here), text="x"
        )
        workspace.update_text_document(ident, change)
        params = types.DidChangeTextDocumentParams(text_document=ident, content_changes=[change])
        for listener in ls.document_events.changed:
            listener(ls, params)
        ask = types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=col + i + 1),
            context=types.InlineCompletionContext(
                trigger_kind=types.InlineCompletionTriggerKind.Automatic
            ),
        )
        await completion.inline_completion(ls, ask)
        times.append((time.thread_time() - started) * 1000)
    return {
        "case": name,
        "open_cpu_ms": round(open_ms),
        "structured_after_ms": ready_ms,
        "keystroke_cpu_ms_p50": round(statistics.median(times), 2),
        "keystroke_cpu_ms_max": round(max(times), 2),
        "first_keystroke_cpu_ms": round(times[0], 2),
    }


async def _structured(document: object) -> float | None:
    """Wall ms until the indexing thread has handed the new text's line index and chunks to
    the document (typing earlier makes them on the loop); None where they come with the open."""
    syntax = getattr(document, "syntax", None)
    if syntax is None or not hasattr(syntax, "structured"):
        return None  # code from before they were made in a thread
    started = time.perf_counter()
    while not syntax.structured() and time.perf_counter() - started < 10:
        await asyncio.sleep(0.005)
    return round((time.perf_counter() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=30)
    parser.add_argument(
        "--at-once", action="store_true", help="type right after the open, not once indexed"
    )
    args = parser.parse_args()
    print(f"server code: {Path(qwen_lsp.__file__).parent}", file=sys.stderr)
    for name, language, text in (
        ("big_10mb.py", "python", big_python(10_000_000)),
        ("bundle.min.js", "javascript", minified_js(2_000_000)),
    ):
        result = asyncio.run(case(name, language, text, args.keystrokes, args.at_once))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
