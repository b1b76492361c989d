"""The server's own share of a keystroke: big files, many open files, honest latency.

Types into a real file through the real server and worker (the random test model), asking for
ghost text after each keystroke, with other documents open, and reports from `qwen.stats` the
server overhead, the latency it reports against what the client waited, and KV reuse (with
repository context on, as by default); then times code-action listing per cursor move.

    .venv/bin/python scripts/bench_keystroke_path.py --model build/tiny-model

Run it with another checkout's interpreter (e.g. /work/main/.venv/bin/python this script) to
measure that checkout's server the same way: the server is `python -m qwen_lsp` of whichever
interpreter runs this.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import sysconfig
import time
from pathlib import Path

from editor_sim import REPO, Editor, close_editor, open_editor
from lsprotocol import types

from qwen_lsp.engine.stats import percentile

STDLIB = Path(sysconfig.get_paths()["stdlib"])
BIG_FILE = STDLIB / "_pydecimal.py"
SETTINGS = {"completion": {"maxTokens": 16}}


def other_files(count: int) -> list[Path]:
    """`count` ordinary stdlib modules (20-120 KB), the same ones on every run."""
    found = [p for p in sorted(STDLIB.glob("*.py")) if 20_000 <= p.stat().st_size <= 120_000]
    found = [p for p in found if p.name != BIG_FILE.name]
    return found[:count]


def open_other(editor: Editor, path: Path) -> None:
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="python", version=1, text=path.read_text()
            )
        )
    )


async def typing_case(model: str, lines: int, others: int, keystrokes: int) -> dict:
    """Type `keystrokes` characters of a line in the middle of the first `lines` lines."""
    text = "".join(BIG_FILE.read_text().splitlines(keepends=True)[:lines])
    start = text.index("\n", len(text) // 2) + 1
    while len(text[start : text.index("\n", start)].strip()) < 8:  # a line worth typing
        start = text.index("\n", start) + 1
    typed = text[start : start + keystrokes]
    # The rest of the last typed line is not there yet: the cursor ends its line, as when typing.
    after = text[text.index("\n", start + len(typed)) :]
    editor = await open_editor(model, "bench_keystroke.py", text[:start], after, settings=SETTINGS)
    opening = time.perf_counter()
    for path in other_files(others):
        open_other(editor, path)
    await editor.stats()  # every didOpen handled before the clock starts
    opened_ms = (time.perf_counter() - opening) * 1000  # the event loop's time on the opens
    round_trips = []
    for char in typed:
        editor.type(char)
        round_trips.append((await editor.complete()).round_trip_ms)
    stats = await editor.stats()
    actions = await code_action_times(editor, text.count("\n"))
    await close_editor(editor)
    overhead = stats["server_overhead_ms"]
    return {
        "lines": text.count("\n"),
        "others": others,
        "open_others_ms": round(opened_ms, 1),
        "keystrokes": len(typed),
        "overhead_p50": overhead["p50"],
        "overhead_p95": overhead["p95"],
        "overhead_p99": overhead.get("p99"),  # older servers report p50/p95 only
        "latency_p50": stats["latency_ms"]["p50"],
        "latency_p99": stats["latency_ms"].get("p99"),
        "round_trip_p50": round(statistics.median(round_trips), 2),
        "round_trip_p99": round(percentile(round_trips, 0.99), 2),
        "kv_reuse": stats["kv_reuse"],
        "model_calls": stats["model_calls"],
        "cache_hits": stats["cache_hits"],
        "code_action_p50": round(statistics.median(actions), 2) if actions else None,
    }


async def code_action_times(editor: Editor, lines: int, moves: int = 40) -> list[float]:
    """Round trip of textDocument/codeAction at `moves` cursor positions (as VS Code asks)."""
    times = []
    for i in range(moves):
        here = types.Position(line=(i * 7919) % max(1, lines - 1), character=4)
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=editor.uri),
            range=types.Range(start=here, end=here),
            context=types.CodeActionContext(diagnostics=[]),
        )
        started = time.perf_counter()
        await editor.client.text_document_code_action_async(params)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def run(model: str, keystrokes: int, cases: list[tuple[int, int]]) -> list[dict]:
    results = []
    for lines, others in cases:
        result = await typing_case(model, lines, others, keystrokes)
        print(json.dumps(result), file=sys.stderr, flush=True)
        results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "build" / "tiny-model"))
    parser.add_argument("--keystrokes", type=int, default=60)
    parser.add_argument(
        "--case",
        action="append",
        metavar="LINES:OTHERS",
        help="file lines and other documents open (default: 6000:0/5/15/30, 1000:0, 100:0)",
    )
    args = parser.parse_args()
    default = ["6000:0", "6000:5", "6000:15", "6000:30", "1000:0", "100:0"]
    cases = [tuple(int(n) for n in case.split(":")) for case in args.case or default]
    results = asyncio.run(run(args.model, args.keystrokes, cases))  # type: ignore[arg-type]
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
