"""Streamable HTTP on 127.0.0.1 (free port, torn down): one trace across the HTTP hop,
``mcp.session.id`` on server spans, and the ``X-Trace-Id`` response header."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from mcp.client import Client
from opentelemetry.trace import SpanKind
from test_mcp_servers import hex_trace, make_upstream, only, parent_of

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.mcp import TRACE_ID_META_KEY, instrument_mcp, uninstrument_mcp
from mcp_llm_trace.testing import CapturedSpans

pytestmark = pytest.mark.integration

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server_url(captured_spans: CapturedSpans) -> Iterator[str]:
    """The upstream server over streamable HTTP, in a thread, instrumented."""
    assert instrument_mcp()
    port = _free_port()
    app = make_upstream().streamable_http_app()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        server.should_exit = True
        thread.join(10)
        uninstrument_mcp()


async def test_http_client_and_server_share_the_trace(
    captured_spans: CapturedSpans, server_url: str
) -> None:
    async with Client(server_url) as client:
        with mlt.using_attributes(tenant_id="acme"):
            result = await client.call_tool("add", {"a": 1, "b": 2})
    spans = captured_spans.spans
    server = only(spans, "tools/call add", SpanKind.SERVER)
    sent = parent_of(server, spans)
    assert sent.kind is SpanKind.CLIENT
    assert (sent.attributes or {})[sc.GEN_AI_TOOL_NAME] == "add"
    assert result.meta is not None and result.meta[TRACE_ID_META_KEY] == hex_trace(server)
    # the server runs in another thread: tenant.id can only have come as W3C baggage
    assert (server.attributes or {})[sc.TENANT_ID] == "acme"


def test_trace_id_header_and_session_id(captured_spans: CapturedSpans, server_url: str) -> None:
    with httpx.Client(headers=HEADERS, timeout=10) as http:
        init = http.post(
            server_url,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "raw", "version": "1"},
                    "_meta": {"traceparent": TRACEPARENT},
                },
            },
        )
        assert init.status_code == 200
        assert init.headers["x-trace-id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
        session = init.headers["mcp-session-id"]
        headers = {"mcp-session-id": session, "mcp-protocol-version": "2025-11-25"}
        http.post(
            server_url,
            headers=headers,
            json={"jsonrpc": "2.0", "method": "notifications/initialized"},
        )
        listed = http.post(
            server_url, headers=headers, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
        )
        assert listed.status_code == 200
    # no traceparent: the header names the trace the server started
    server = only(captured_spans.spans, "tools/list", SpanKind.SERVER)
    assert listed.headers["x-trace-id"] == hex_trace(server)
    assert (server.attributes or {})[sc.MCP_SESSION_ID] == session
    assert (server.attributes or {})[sc.JSONRPC_REQUEST_ID] == "2"


async def test_interop_with_openinference_mcp_instrumentor(
    captured_spans: CapturedSpans, server_url: str
) -> None:
    """OpenInference's MCP instrumentor uses the same carrier (params._meta): with both
    on, the trace stays one tree and no span is duplicated."""
    import mcp.client.streamable_http as shttp
    from mcp.client import ClientSession
    from openinference.instrumentation.mcp import MCPInstrumentor

    oi = MCPInstrumentor()
    oi.instrument()
    try:
        async with shttp.streamable_http_client(server_url) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.call_tool("add", {"a": 1, "b": 2})
    finally:
        oi.uninstrument()
    spans = captured_spans.spans
    server = only(spans, "tools/call add", SpanKind.SERVER)
    sent = only(spans, "MCP send tools/call add", SpanKind.CLIENT)
    assert parent_of(server, spans) is sent
    assert (server.attributes or {})[sc.SPAN_KIND] == sc.KIND_TOOL
