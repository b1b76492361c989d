"""Code actions through the worker's model host: how often each kind ends in an edit that applies
and leaves the file parseable (or, for Explain, in prose).

    python scripts/bench_actions.py [MODEL_DIR] [--files FILE...] [--temperature T] [-v]

Every action the server offers on every definition of FILE... (default: the trained test model
and its corpus) runs as the server runs it: `engine.actions.offers` with the cursor on the
definition's first line and a diagnostic inside it, `request_for`, an `ActionSession` whose turns
go to the worker's `ModelHost` (its chat template, sampling and tool parser). Greedy by default.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
from pathlib import Path

from tiny_model.chat_examples import action_requests
from tiny_model.fim_examples import SourceFile

from qwen_lsp import messages as m
from qwen_lsp.engine import actions, syntax
from qwen_lsp.engine.tool_edits import apply_edits
from qwen_lsp.worker.host import HostOptions, ModelHost

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "fixtures" / "corpus").iterdir())


def requests(path: Path, rng: random.Random) -> list[actions.ActionRequest]:
    """Every action offered on every definition of `path`, as the trained model learned them
    (the trainer's request builder: the server's `offers` + `request_for`)."""
    return [req for req, _ in action_requests(SourceFile.read(path), rng)]


def run(host: ModelHost, req: actions.ActionRequest, temperature: float) -> actions.Outcome:
    session = actions.ActionSession(req)
    while session.outcome is None:
        chat = m.Chat(
            id=0,
            messages=session.messages,
            tools=session.tools,
            cache_key=f"action:{req.path}",
            sampling=m.Sampling(temperature),
        )
        done = host.generate(chat, cancelled=lambda: False)
        calls = [(c.name, c.arguments) for c in done.tool_calls]
        session.feed(done.text, calls, done.tool_call_errors)
    return session.outcome


def succeeded(req: actions.ActionRequest, outcome: actions.Outcome) -> bool:
    if req.kind == actions.EXPLAIN:
        return outcome.ok and bool(outcome.message.strip())
    if not (outcome.ok and outcome.edits):
        return False
    return syntax.parses_cleanly(req.language, apply_edits(req.text, outcome.edits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_model = ROOT / "build" / "trained-model"
    parser.add_argument("model", nargs="?", type=Path, default=default_model)
    parser.add_argument("--files", type=Path, nargs="+", default=CORPUS)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("-v", "--verbose", action="store_true", help="print every failure")
    args = parser.parse_args()
    host = ModelHost(HostOptions(str(args.model)))
    host.load(lambda text, percent: None)
    tally: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    started = time.perf_counter()
    rng = random.Random(0)
    for path in args.files:
        for req in requests(path, rng):
            outcome = run(host, req, args.temperature)
            ok = succeeded(req, outcome)
            tally[req.kind][0] += ok
            tally[req.kind][1] += 1
            if args.verbose and not ok:
                print(f"  {path.name} {req.kind} {req.symbol or req.start_line}: {outcome.message}")
    seconds = time.perf_counter() - started
    good, total = (sum(v[i] for v in tally.values()) for i in (0, 1))
    for kind in actions.ACTION_KINDS:
        ok, n = tally[kind]
        print(f"{kind:10} {ok:3}/{n:<3} {'(prose)' if kind == actions.EXPLAIN else ''}")
    print(f"{'all':10} {good:3}/{total:<3} = {good / max(total, 1):.0%} in {seconds:.0f} s")
    sys.exit(0 if total else 1)


if __name__ == "__main__":
    main()
