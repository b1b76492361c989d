"""Typing replay as a person types, through qwen-lsp and the setups people run today, side by side.

    .venv/bin/python scripts/bench_typing.py                     # or: make bench
    .venv/bin/python scripts/bench_typing.py --keystrokes 40 --rounds 1 --models cost
    .venv/bin/python scripts/bench_typing.py --growth            # cost growth table only

A seeded person retypes spans of real files (several open; bursts at human intervals, pauses,
typos deleted, cursor jumps, Tab on a suggestion that is what they were about to type) into each
system in turn: qwen-lsp, Continue's autocomplete on mlx_lm.server, llama.vim on llama.cpp's
server. Same model, same trace; the systems alternate round by round so they share the noise.
Every model process runs with the `cblas_sgemm` shim preloaded (scripts/tiny_model/fast_blas.py).
User-felt latency runs from the last keystroke before a pause to the answer for that state.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import sysconfig
import time
from pathlib import Path

from tiny_model.cost_model import read_rates
from typing_bench import report
from typing_bench.run import SYSTEMS, Setup, session, unavailable
from typing_bench.trace import build_trace
from typing_bench.user import WAIT_CAP_S

REPO = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
DEFAULT_FILES = [
    REPO / "server/qwen_lsp/engine/fim.py",
    REPO / "server/qwen_lsp/lsp/completion.py",
    STDLIB / "textwrap.py",
    STDLIB / "shlex.py",
]
MODELS = {"cost": REPO / "build/cost-model", "content": REPO / "build/trained-model"}
GROWTH_BUDGETS, GROWTH_LINES = (1024, 4096, 16384), (100, 1000, 5000)


def display_names(paths: list[Path]) -> list[str]:
    """Where each file appears in the workspace: repository files as they are, others below
    `external/` (any path on disk can be typed)."""
    names = []
    for path in paths:
        try:
            names.append(str(path.resolve().relative_to(REPO)))
        except ValueError:
            names.append(f"external/{path.name}")
    return names


async def compare(setup: Setup, files: list[Path], keystrokes: int, rounds: int, seed: int,
                  systems: list[str]) -> tuple[list[dict], dict[str, str]]:  # fmt: skip
    """Every system types the same traces, in an order that rotates each round."""
    skipped = {name: why for name in systems if (why := unavailable(name, setup))}
    running = [name for name in systems if name not in skipped]
    rows: dict[str, list[dict]] = {name: [] for name in running}
    for r in range(rounds):
        trace = build_trace(files, keystrokes, seed + r, display_names(files))
        order = running[r % len(running) :] + running[: r % len(running)]
        for name in order:
            print(f"  round {r + 1}/{rounds}: {name} ({trace.keystrokes} keys)", file=sys.stderr)
            rows[name].append(await session(name, setup, trace))
    return [merge(rows[name]) for name in running], skipped


def variant_name(settings: dict) -> str:
    """`qwen-lsp completion.debounceMs=20` for {"completion": {"debounceMs": 20}}."""
    pairs = [f"{part}.{k}={v}" for part, values in settings.items() for k, v in values.items()]
    return " ".join(["qwen-lsp", *pairs])


def expand(system: str, variants: list[str]) -> list[str]:
    return variants if system == "qwen-lsp" and variants else [system]


def merge(rows: list[dict]) -> dict:
    """Rounds of one system: percentiles over every round's pauses, counts added up."""
    if len(rows) == 1:
        return rows[0]
    out = dict(rows[-1])
    unanswered = sum(r["unanswered_pauses"] for r in rows)
    out["pause_at"] = [p for r in rows for p in r.get("pause_at", [])]
    for key in ("felt_ms", "projected_m4_ms"):
        answered = [ms for r in rows for ms in r[f"{key}_answered"]]
        out[f"{key}_answered"] = answered
        pooled = answered + ([WAIT_CAP_S * 1000] * unanswered if key == "felt_ms" else [])
        out[key] = {"p50": report.pct(pooled, 0.5), "p95": report.pct(pooled, 0.95)}
    for key in ("pauses", "unanswered_pauses", "empty_answers", "keystrokes", "accepted",
                "accepted_chars", "requests", "model_calls", "cache_hits", "prompt_tokens",
                "reused_prompt_tokens", "generated_tokens", "superseded_answered"):  # fmt: skip
        out[key] = sum(r[key] for r in rows)
    out["superseded_generated_tokens"] = sum(r["superseded_generated_tokens"] or 0 for r in rows)
    prompt, calls = out["prompt_tokens"], out["model_calls"]
    out["kv_reuse"] = round(out["reused_prompt_tokens"] / prompt, 4) if prompt else 0.0
    out["projected_kv_mb_mean_prompt"] = (
        round(prompt / calls * report.M4_KV_BYTES / 1e6, 1) if calls else 0.0
    )
    background = rows[-1].get("background") or {}
    out["background"] = {k: sum(r["background"][k] for r in rows) for k in background}
    out["after_tab_ms"] = [ms for r in rows for ms in r["after_tab_ms"]]
    out["next_after_tab"] = report.next_after_tab(out["after_tab_ms"])
    out["errors"] = [e for r in rows for e in r["errors"]]
    out["rss_mib"] = {k: max(r["rss_mib"].get(k, 0) for r in rows) for k in rows[-1]["rss_mib"]}
    return out


def synthetic_file(lines: int, out_dir: Path) -> Path:
    """A Python file of about `lines` lines: real modules of the standard library, concatenated."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"lines_{lines}.py"
    chunks, count = [], 0
    for source in sorted(STDLIB.glob("*.py")):
        text = source.read_text("utf-8", errors="replace").splitlines()
        take = text[: lines - count]
        chunks.extend(take)
        count += len(take)
        if count >= lines:
            break
    path.write_text("\n".join(chunks) + "\n")
    return path


async def growth(
    model: Path, keystrokes: int, seed: int, systems: list[str], out: Path | None
) -> list[dict]:
    """Every budget x file size; each cell printed (and saved) as soon as it is done."""
    cells: list[dict] = []
    for budget in GROWTH_BUDGETS:
        for lines in GROWTH_LINES:
            file = synthetic_file(lines, REPO / "build/bench-files")
            setup = Setup(model, budget_tokens=budget, llama_context=max(8192, 2 * budget))
            rows, skipped = await compare(setup, [file], keystrokes, 1, seed, systems)
            cells.append({"budget": budget, "lines": lines, "rows": rows, "skipped": skipped})
            print(growth_table(cells).splitlines()[-1], file=sys.stderr)
            if out:
                out.write_text(json.dumps({"growth": cells}, indent=2, default=str) + "\n")
    return cells


def growth_table(cells: list[dict]) -> str:
    names = [row["system"] for row in cells[0]["rows"]] + list(cells[0]["skipped"])
    cell_head = "felt p50 / p95 ms; answered pauses; KV reuse; prompt tokens per call"
    head = "| budget | file lines | " + " | ".join(f"{n}: {cell_head}" for n in names) + " |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    for cell in cells:
        parts = [_growth_cell(row) for row in cell["rows"]] + list(cell["skipped"].values())
        lines.append(f"| {cell['budget']} | {cell['lines']} | " + " | ".join(parts) + " |")
    return "\n".join(lines)


def _growth_cell(row: dict) -> str:
    felt = row["felt_ms"]
    answered = f"{row['pauses'] - row['unanswered_pauses']}/{row['pauses']}"
    per_call = row["prompt_tokens"] // row["model_calls"] if row["model_calls"] else 0
    felt_ms = f"{report.format_ms(felt['p50'])} / {report.format_ms(felt['p95'])}"
    return f"{felt_ms}; {answered}; {row['kv_reuse']:.1%}; {per_call:,}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["cost", "content"])
    parser.add_argument("--file", type=Path, nargs="+", default=DEFAULT_FILES, dest="files")
    parser.add_argument("--keystrokes", type=int, default=150, help="per round (about)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--growth", action="store_true", help="the cost growth table instead")
    parser.add_argument("--growth-keystrokes", type=int, default=25)
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--qwen-variants",
        type=json.loads,
        nargs="+",
        default=[],
        help="run qwen-lsp once per settings (JSON) given, side by side, in place of one qwen-lsp",
    )
    parser.add_argument(
        "--qwen-settings",
        type=json.loads,
        default={},
        help='more qwen-lsp settings (JSON), e.g. \'{"completion": {"nextSuggestion": false}}\'',
    )
    parser.add_argument(
        "--qwen-variant",
        action="append",
        default=[],
        metavar="NAME=JSON",
        help="one more qwen-lsp system, 'qwen-lsp NAME', with these settings, in the same "
        'rotation: e.g. answer150=\'{"completion": {"answerWithinMs": 150}}\'',
    )
    parser.add_argument(
        "--kv-trace",
        type=Path,
        help="the worker writes why prompt tokens were uncached here (scripts/kv_trace_report.py)",
    )
    args = parser.parse_args()
    if args.kv_trace:  # the server and its worker inherit it
        os.environ["QWEN_LSP_KV_TRACE"] = str(args.kv_trace.resolve())
    # Both forms name systems "qwen-lsp …"; --qwen-variants replaces the plain qwen-lsp.
    auto = {variant_name(v): v for v in args.qwen_variants}
    named = {
        f"qwen-lsp {n}": json.loads(v) for n, _, v in (a.partition("=") for a in args.qwen_variant)
    }
    variants = auto | named
    systems = [n for s in args.systems for n in expand(s, list(auto))] + list(named)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results: dict = {"started": started, "argv": sys.argv[1:]}
    problems: list[str] = []
    if args.growth:
        cells = asyncio.run(
            growth(MODELS["cost"], args.growth_keystrokes, args.seed, args.systems, args.json)
        )
        print(growth_table(cells))
        results["growth"] = cells
        # A cell where no pause was answered in time is a figure of the grid, not a failure.
        problems = [
            p for c in cells for row in c["rows"] for p in report.problems(row, need_answers=False)
        ]
    for name in [] if args.growth else args.models:
        model = MODELS[name]
        if not (model / "config.json").is_file():
            sys.exit(f"{model} is missing: make bench builds it")
        setup = Setup(model, qwen_settings=args.qwen_settings, qwen_variants=variants)
        rows, skipped = asyncio.run(
            compare(setup, args.files, args.keystrokes, args.rounds, args.seed, systems)
        )
        rates = read_rates(model)
        print(f"\n### {name} model ({model.relative_to(REPO)}); rates: {rates or 'not measured'}")
        print(report.table(rows, skipped))
        for row in rows:
            if overhead := row.get("server_overhead_ms"):
                p50, p99 = overhead["p50"], overhead["p99"]
                print(f"{row['system']} server overhead ms: p50 {p50}, p99 {p99}")
            if latency := row.get("latency_ms"):  # what the server says the user waited
                felt, client = row["felt_ms"], row.get("answered_ms") or {}
                print(f"{row['system']} qwen.stats latency ms: p50 {latency['p50']}, p95 "
                      f"{latency['p95']}; the client's, every answered request from its "
                      f"keystroke: p50 {client.get('p50')}, p95 {client.get('p95')} "
                      f"(felt at pauses: p50 {felt['p50']}, p95 {felt['p95']})")  # fmt: skip
                if (felt_stats := row.get("felt_latency_ms")) and felt_stats["answers"]:
                    mine, server = felt_stats["client"], felt_stats["server"]
                    print(f"{row['system']} qwen.stats felt_latency_ms over the "
                          f"{felt_stats['answers']} answers shown at pauses: the client's p50 "
                          f"{mine['p50']}, p95 {mine['p95']}; the server's for the same answers: "
                          f"p50 {server['p50']}, p95 {server['p95']}")  # fmt: skip
                if shown := row.get("suggested_ms"):
                    print(f"{row['system']} the client's, every answer with a suggestion "
                          f"(cancelled too: those qwen.stats counts): p50 {shown['p50']}, p95 "
                          f"{shown['p95']}")  # fmt: skip
            tab = row["next_after_tab"]
            print(
                f"{row['system']} next suggestion after Tab within 10 ms of the request: "
                f"{tab['within_10ms']} / {tab['accepts']} accepts (p50 {tab['p50_ms']} ms)"
            )
            if row.get("background"):
                print(f"{row['system']} background work (qwen.stats): {row['background']}")
            if row.get("acceptance"):  # qwen.stats' acceptance telemetry, where the server has it
                print(f"{row['system']} acceptance (qwen.stats): {row['acceptance']}")
        results[name] = {"rows": rows, "skipped": skipped, "rates": rates}
        problems += [p for row in rows for p in report.problems(row)]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if problems:
        sys.exit("problems:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
