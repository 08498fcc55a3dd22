"""Propagation over stdio (client → gateway → stdio upstream): a real subprocess server that configures telemetry itself
(file exporter from the environment) and flushes on stdin close and on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from opentelemetry.trace import SpanKind
from test_mcp_servers import hex_trace, make_gateway, only, parent_of

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.export.file import iter_spans
from mcp_llm_trace.integrations.mcp import TRACE_ID_META_KEY, instrument_mcp, uninstrument_mcp
from mcp_llm_trace.testing import CapturedSpans

pytestmark = pytest.mark.integration

HERE = Path(__file__).parent

# The child: telemetry from env, instrument_mcp(), the shared upstream server on stdio.
CHILD = """
import os, signal, sys
import mcp_llm_trace as mlt
from mcp_llm_trace.integrations.mcp import instrument_mcp
from test_mcp_servers import make_upstream

tel = mlt.configure()
instrument_mcp()

def _terminate(signum, frame):
    tel.shutdown()
    os._exit(0)

signal.signal(signal.SIGTERM, _terminate)
try:
    make_upstream("upstream").run()   # stdio until the client closes stdin
finally:
    tel.shutdown()
"""


@pytest.fixture(autouse=True)
def _instrumented() -> Iterator[None]:
    assert instrument_mcp()
    yield
    uninstrument_mcp()


@pytest.fixture
def child(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    script = tmp_path / "upstream_server.py"
    script.write_text(CHILD)
    traces = tmp_path / "traces"
    env = {
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "OTEL_SERVICE_NAME": "upstream-svc",
        "OTEL_TRACES_EXPORTER": "file",
        "MCP_LLM_TRACE_FILE_PATH": str(traces),
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    }
    return script, env


def _params(script: Path, env: dict[str, str]) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=[str(script)], env={**os.environ, **env}
    )


def _spans(env: dict[str, str]) -> list[dict[str, Any]]:
    return list(iter_spans(env["MCP_LLM_TRACE_FILE_PATH"]))


async def test_gateway_forwards_to_stdio_peer_in_one_trace(
    captured_spans: CapturedSpans, child: tuple[Path, dict[str, str]]
) -> None:
    script, env = child
    gateway = make_gateway(_params(script, env), peer="upstream-svc")
    async with Client(gateway, mode="legacy") as client:
        result = await client.call_tool("forward_search", {"query": "otel"})
    assert not result.is_error
    local = captured_spans.spans
    forward = only(local, "gateway.forward")
    request = parent_of(forward, local)
    assert request.name == "gateway.request"
    assert parent_of(request, local).name == "tools/call forward_search"
    peer = [s for s in _spans(env) if s["name"] == "tools/call search"]
    assert len(peer) == 1
    assert peer[0]["trace_id"] == hex_trace(forward)
    assert peer[0]["parent_span_id"] == format(forward.context.span_id, "016x")
    assert peer[0]["resource"]["service.name"] == "upstream-svc"
    assert (forward.attributes or {})[sc.PEER_SERVICE] == "upstream-svc"
    # the stdio hop itself: the gateway's send span is the forward span (no duplicate)
    assert not [s for s in local if s.name == "MCP send tools/call search"]
    assert (
        peer[0]["attributes"][sc.JSONRPC_REQUEST_ID]
        == (forward.attributes or {})[sc.JSONRPC_REQUEST_ID]
    )
    gateway_span = only(local, "tools/call forward_search", SpanKind.SERVER)
    assert result.meta is not None
    assert result.meta[TRACE_ID_META_KEY] == hex_trace(gateway_span) == peer[0]["trace_id"]


def _rpc(proc: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def test_child_flushes_on_sigterm(child: tuple[Path, dict[str, str]]) -> None:
    script, env = child
    proc = subprocess.Popen(
        [sys.executable, str(script)],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        _rpc(
            proc,
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"},
                },
            },
        )
        assert proc.stdout is not None
        proc.stdout.readline()
        _rpc(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        _rpc(
            proc,
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {
                    "name": "add",
                    "arguments": {"a": 1, "b": 2},
                    "_meta": {
                        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                    },
                },
            },
        )
        answer = json.loads(proc.stdout.readline())
        assert answer["result"]["_meta"][TRACE_ID_META_KEY] == "0af7651916cd43dd8448eb211c80319c"
        time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)  # stdin still open: only the signal ends it
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    served = only_dict(_spans(env), "tools/call add")
    assert served["trace_id"] == "0af7651916cd43dd8448eb211c80319c"
    assert served["parent_span_id"] == "b7ad6b7169203331"


def only_dict(spans: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [s for s in spans if s["name"] == name]
    assert len(found) == 1, [s["name"] for s in spans]
    return found[0]
