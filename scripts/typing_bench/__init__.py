"""The typing benchmark's parts (scripts/bench_typing.py runs them)."""
