"""A dead collector cannot hold the process at exit: shutdown honours its deadline."""

from __future__ import annotations

import socket
import time

import mcp_llm_trace as mlt
from mcp_llm_trace._internal.errors import lenient
from mcp_llm_trace._internal.stats import STATS


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_shutdown_with_a_dead_collector_returns_within_the_deadline() -> None:
    port = _closed_port()  # nothing listens there: every export is refused
    before = sum(STATS.snapshot()["dropped"].values())
    with lenient():
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=f"http://127.0.0.1:{port}",
            metrics_exporter="none",
        )
        for _ in range(50):
            with mlt.create_span("s"):
                pass
        start = time.monotonic()
        tel.shutdown(timeout_s=2.0)
        took = time.monotonic() - start
    # A budget, not a benchmark: the OTLP exporter alone would retry for ~10 s.
    assert took < 6.0
    dropped = sum(tel.stats()["dropped"].values()) - before
    assert dropped == 50  # every span accounted for, none silently lost
