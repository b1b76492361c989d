"""Property-based LSP traffic against the real server and worker: every request is answered
(a result or a JSON-RPC error, never an internal error), nothing crashes, and a real completion
is still served afterwards. scripts/fuzz_lsp.py runs the same traffic for 10,000+ messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from .fuzz_traffic import OPTIONS, FuzzReport, batches, check_still_serving, send_batch
from .raw_client import RawClient

pytestmark = pytest.mark.protocol

REPORT = FuzzReport()


@pytest.fixture(scope="module")
def fuzzed(tiny_model) -> Iterator[RawClient]:
    client = RawClient({"model": str(tiny_model), **OPTIONS})
    yield client
    client.close()


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same traffic every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=batches)
def test_random_traffic_is_always_answered(fuzzed: RawClient, batch) -> None:
    send_batch(fuzzed, batch, REPORT)
    assert fuzzed.proc.poll() is None


def test_a_real_completion_is_served_after_the_fuzz(fuzzed: RawClient) -> None:
    assert REPORT.messages >= 300, REPORT.line()  # the traffic above really ran
    check_still_serving(fuzzed)
    print(REPORT.line())
