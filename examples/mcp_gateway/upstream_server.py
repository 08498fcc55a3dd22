"""The upstream MCP server the gateway federates to (stdio).

Telemetry comes from the environment the gateway passes down
(``OTEL_SERVICE_NAME``, ``OTEL_TRACES_EXPORTER=file``, ``MCP_LLM_TRACE_FILE_PATH``).
"""

from __future__ import annotations

import os
import signal

from mcp.server.mcpserver import MCPServer

import mcp_llm_trace as mlt
from mcp_llm_trace.integrations.mcp import instrument_mcp

tel = mlt.configure()
instrument_mcp()
# stdio shutdown = stdin closed, then SIGTERM 2 s later: flush in both cases.
signal.signal(signal.SIGTERM, lambda *_: (tel.shutdown(), os._exit(0)))

app = MCPServer("docs-upstream")
DOCS = {
    "otel": "OpenTelemetry is a vendor-neutral observability framework.",
    "mcp": "The Model Context Protocol connects models to tools.",
}


@app.tool()
def search(query: str) -> list[str]:
    """Full-text search over the docs."""
    return [text for key, text in DOCS.items() if query.lower() in (key + text).lower()]


if __name__ == "__main__":
    try:
        app.run()  # stdio
    finally:
        tel.shutdown()
