"""A small MCP gateway: two tools, one prompt, one resource, and federation.

``search_docs`` forwards to a second MCP server (``upstream_server.py``, spawned over
stdio) inside ``federation_forward``, so the trace reads
client → gateway ``tools/call search_docs`` → gateway.request → gateway.forward →
upstream ``tools/call search``. Run directly it serves stdio; ``--http PORT`` serves
streamable HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.server.mcpserver import MCPServer

import mcp_llm_trace as mlt
from mcp_llm_trace.integrations.mcp import instrument_mcp

HERE = Path(__file__).parent
TRACES = Path(os.environ.get("MCP_LLM_TRACE_FILE_PATH", "traces/gateway")).parent

# --- the instrumentation: these lines are all it takes -------------------------------
tel = mlt.configure()  # OTEL_* / MCP_LLM_TRACE_* from the environment
instrument_mcp()
signal.signal(signal.SIGTERM, lambda *_: (tel.shutdown(), os._exit(0)))
# -------------------------------------------------------------------------------------

UPSTREAM = StdioServerParameters(
    command=sys.executable,
    args=[str(HERE / "upstream_server.py")],
    env={
        **os.environ,
        "OTEL_SERVICE_NAME": "mcp-upstream",
        "MCP_LLM_TRACE_FILE_PATH": str(TRACES / "upstream"),
    },
)

app = MCPServer("mcp-gateway")


@app.tool()
def word_count(text: str) -> int:
    """Count the words in a text (a local tool)."""
    return len(text.split())


@app.tool()
async def search_docs(query: str) -> list[str]:
    """Search the docs on the upstream server (a federated tool)."""
    with mlt.chain_span("gateway.request"):
        async with Client(UPSTREAM, mode="legacy") as upstream:
            with mlt.federation_forward(peer="mcp-upstream", method="tools/call", target="search"):
                result = await upstream.call_tool("search", {"query": query})
    return [block.text for block in result.content if hasattr(block, "text")]


@app.prompt()
def explain(topic: str) -> str:
    """A prompt template."""
    return f"Explain {topic} to a new engineer in three sentences."


@app.resource("gateway://status")
def status() -> str:
    """Gateway status as a resource."""
    return "ok"


if __name__ == "__main__":
    try:
        if len(sys.argv) == 3 and sys.argv[1] == "--http":
            app.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
        else:
            app.run()
    finally:
        tel.shutdown()
