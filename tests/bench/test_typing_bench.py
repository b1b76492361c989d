"""The typing benchmark, short: a few dozen keystrokes through qwen-lsp, Continue's client on
mlx_lm.server, llama.vim's on llama.cpp's server and qwen-lsp on one too (backend llamacpp;
both when built), on the trained test model.
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
ON_LLAMA = "qwen-lsp llamacpp"  # qwen-lsp as a Linux box without MLX runs it


async def test_short_replay_runs_every_system_and_reports_every_figure():
    setup = Setup(trained_model_dir(), qwen_variants={ON_LLAMA: {"backend": "llamacpp"}})
    rows, skipped = await compare(setup, FILES, 36, 1, 3, [*SYSTEMS, ON_LLAMA])

    expected_skips = {"llama.vim", ON_LLAMA} if llama_missing() else set()
    assert set(skipped) == expected_skips, skipped
    row_names = {
        "qwen-lsp": "qwen-lsp",
        "continue": "Continue → mlx_lm.server",
        "llama.vim": "llama.vim → llama-server",
        ON_LLAMA: ON_LLAMA,
    }
    ran = [row_names[name] for name in [*SYSTEMS, ON_LLAMA] if name not in skipped]
    assert [row["system"] for row in rows] == ran
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
