"""Fuzz the real server and worker with random LSP traffic until N messages have been sent.

Same traffic as tests/protocol/test_fuzz.py (tests/protocol/fuzz_traffic.py), not derandomized:
every request must be answered with a result or a JSON-RPC error (never an internal error), the
server must stay up, and a real completion must be served at the end. Prints the totals.

    .venv/bin/python scripts/fuzz_lsp.py [--messages 10000] [--model DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from models import tiny_model_dir  # noqa: E402

from tests.protocol.fuzz_traffic import (  # noqa: E402
    OPTIONS,
    FuzzReport,
    batches,
    check_still_serving,
    send_batch,
)
from tests.protocol.raw_client import RawClient  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--model", default=None, help="model dir (default: the tiny test model)")
    args = parser.parse_args()
    client = RawClient({"model": args.model or str(tiny_model_dir()), **OPTIONS})
    report = FuzzReport()
    started = time.monotonic()

    @settings(
        max_examples=50,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: a failing batch is reported as it was sent
        suppress_health_check=list(HealthCheck),
    )
    @given(batch=batches)
    def fuzz(batch) -> None:  # 50 random batches per call, a fresh seed each call
        send_batch(client, batch, report)
        assert client.proc.poll() is None, "the server exited"

    try:
        while report.messages < args.messages:
            fuzz()
            print(f"{report.line()} ({time.monotonic() - started:.0f} s)", file=sys.stderr)
        final = check_still_serving(client)
    finally:
        client.close()
    elapsed = time.monotonic() - started
    print(f"{report.line()} in {elapsed:.0f} s; server exit code 0, 0 crashes")
    print(f"after the fuzz: worker {final['worker']['state']}, a completion served by the model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
