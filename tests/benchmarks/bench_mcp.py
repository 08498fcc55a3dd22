"""Overhead of ``instrument_mcp()`` per MCP ``tools/call`` (in-memory transport).

Both runs have telemetry configured (memory exporter, batch processor), so the mcp SDK's
own spans exist in both: the difference is what the integration adds (enrichment,
notification/inbound spans, metrics, trace id in ``_meta``).

    python tests/benchmarks/bench_mcp.py 2000
"""

from __future__ import annotations

import sys
import time
from typing import Any

import anyio


async def _calls(n: int) -> float:
    from mcp.client import Client
    from mcp.server.mcpserver import MCPServer

    app = MCPServer("bench")

    @app.tool()
    def add(a: int, b: int) -> int:
        return a + b

    async with Client(app, mode="legacy") as client:
        for _ in range(50):  # warm-up (schema caches, first spans)
            await client.call_tool("add", {"a": 1, "b": 2})
        start = time.perf_counter()
        for _ in range(n):
            await client.call_tool("add", {"a": 1, "b": 2})
        return (time.perf_counter() - start) / n * 1e6


def bench_mcp_call(n: int = 1000) -> dict[str, Any]:
    """µs per ``tools/call`` round trip without and with the integration."""
    import mcp_llm_trace as mlt
    from mcp_llm_trace.integrations.mcp import instrument_mcp, uninstrument_mcp

    tel = mlt.configure(
        force=True,
        service_name="bench",
        traces_exporter="memory",
        metrics_exporter="memory",
        sampling_strategy="always_on",
        batch_max_queue_size=1 << 20,
    )
    # Alternate the configurations and keep each one's best round: the machine's
    # background load then affects both sides alike.
    best = {"off": float("inf"), "on": float("inf"), "disabled": float("inf")}
    try:
        for _ in range(3):
            uninstrument_mcp()
            best["off"] = min(best["off"], anyio.run(_calls, n))
            instrument_mcp()
            best["on"] = min(best["on"], anyio.run(_calls, n))
            uninstrument_mcp()
    finally:
        tel.shutdown()
    disabled_tel = mlt.configure(force=True, enabled=False)
    try:
        instrument_mcp()
        for _ in range(3):
            best["disabled"] = min(best["disabled"], anyio.run(_calls, n))
    finally:
        uninstrument_mcp()
        disabled_tel.shutdown()
    baseline, instrumented, disabled = best["off"], best["on"], best["disabled"]
    return {
        "calls": n,
        "uninstrumented_us_per_call": round(baseline, 1),
        "instrumented_us_per_call": round(instrumented, 1),
        "overhead_us_per_call": round(instrumented - baseline, 1),
        "instrumented_telemetry_disabled_us_per_call": round(disabled, 1),
    }


if __name__ == "__main__":
    print(bench_mcp_call(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
