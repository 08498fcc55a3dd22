"""The demo's second gateway (``mcp-gateway-2``), a real separate process.

Protocol: one JSON object per line on stdin ``{"carrier", "tool", "args"}``; one reply per
line on stdout ``{"ok", "trace_id"}``. On end of input it flushes, shuts telemetry down
and writes ``{"final": <stats>}``. Its telemetry comes from the environment the parent
passes (exporter, file path, Phoenix endpoint…), with its own ``service.name``.
"""

from __future__ import annotations

import json
import sys
import time

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc


def main() -> int:
    """Serve forwarded calls until stdin closes."""
    tel = mlt.configure(service_name="mcp-gateway-2")
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        ctx = mlt.extract_context(req.get("carrier") or {})
        with (
            mlt.use_context(ctx),
            mlt.mcp_tool_call(
                req.get("tool", "kb_lookup"),
                arguments=req.get("args"),
                side="server",
                attributes={sc.PEER_SERVICE: "mcp-gateway-1", sc.RPC_METHOD: "tools/call"},
            ) as span,
        ):
            with mlt.db_span("SELECT", db_system="sqlite", collection="kb"):
                time.sleep(0.001)
            span.set_output({"hits": 2})
            reply = {"ok": True, "trace_id": mlt.current_trace_id()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    tel.shutdown()
    sys.stdout.write(json.dumps({"final": tel.stats()}) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
