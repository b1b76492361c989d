"""The typing benchmark, short: a few dozen keystrokes through qwen-lsp, Continue's client on
mlx_lm.server and llama.vim's on llama.cpp's server (when built), on the trained test model.
It fails when a system errors, answers a superseded request, or leaves a figure missing; never
on speed."""

from __future__ import annotations

import pytest
from bench_typing import STDLIB, compare
from models import ROOT, trained_model_dir
from typing_bench import report
from typing_bench.run import SYSTEMS, Setup
from typing_bench.servers import llama_missing

pytestmark = [pytest.mark.bench, pytest.mark.model, pytest.mark.timeout(900)]

FILES = [ROOT / "tests/fixtures/corpus/inventory.py", STDLIB / "textwrap.py"]


async def test_short_replay_runs_every_system_and_reports_every_figure():
    rows, skipped = await compare(Setup(trained_model_dir()), FILES, 36, 1, 3, list(SYSTEMS))

    expected_skips = {"llama.vim"} if llama_missing() else set()
    assert set(skipped) == expected_skips, skipped
    assert [row["system"].split()[0] for row in rows] == [
        name.split()[0] for name in ("qwen-lsp", "Continue", "llama.vim") if name not in skipped
    ]
    assert [p for row in rows for p in report.problems(row)] == []
    for row in rows:
        assert row["felt_ms"]["p50"] is not None and row["felt_ms"]["p95"] is not None, row
        assert row["projected_m4_ms"]["p50"] is not None, row
        assert row["keystrokes"] >= 36 and row["requests"] > 0, row
        assert 0.0 <= row["kv_reuse"] <= 1.0 and row["prompt_tokens"] > 0, row
        assert row["rss_mib"] and all(mib > 0 for mib in row["rss_mib"].values()), row
    qwen = rows[0]
    assert qwen["server_overhead_ms"]["p99"] >= qwen["server_overhead_ms"]["p50"]
    assert qwen["superseded_generated_tokens"] is not None
