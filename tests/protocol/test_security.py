"""The server and its worker listen on nothing: the worker is reached through its pipes only."""

from __future__ import annotations

import time

import psutil
import pytest

from .raw_client import RawClient

pytestmark = pytest.mark.protocol


def test_no_process_opens_a_network_listener(tiny_model):
    client = RawClient({"model": str(tiny_model)})
    try:
        deadline = time.monotonic() + 60
        while (worker := stats(client)["worker"])["state"] != "ready":
            assert time.monotonic() < deadline, worker
            time.sleep(0.2)
        for pid in (client.proc.pid, worker["pid"]):
            sockets = psutil.Process(pid).net_connections(kind="all")
            listening = [s for s in sockets if s.status == psutil.CONN_LISTEN]
            assert listening == [], (pid, listening)
            assert [s for s in sockets if s.family.name in ("AF_INET", "AF_INET6")] == []
    finally:
        client.close()


def stats(client: RawClient) -> dict:
    return client.request("workspace/executeCommand", {"command": "qwen.stats"})["result"]
