"""Client: spawns the gateway over stdio, uses every feature, prints the span tree.

python examples/mcp_gateway/client.py            # traces in ./traces/{client,gateway,upstream}
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.client.stdio import StdioServerParameters

import mcp_llm_trace as mlt
from mcp_llm_trace.export.file import iter_spans
from mcp_llm_trace.integrations.mcp import TRACE_ID_META_KEY, instrument_mcp

HERE = Path(__file__).parent
TRACES = Path(os.environ.get("TRACES_DIR", "traces")).resolve()


def telemetry_env(service: str) -> dict[str, str]:
    """What each process needs to write its own spans to its own file."""
    return {
        "OTEL_SERVICE_NAME": service,
        "OTEL_TRACES_EXPORTER": "file",
        "MCP_LLM_TRACE_FILE_PATH": str(TRACES / service.removeprefix("mcp-")),
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
    }


async def main() -> str:
    gateway = StdioServerParameters(
        command=sys.executable,
        args=[str(HERE / "gateway.py")],
        env={**os.environ, **telemetry_env("mcp-gateway")},
    )
    with mlt.using_attributes(user_id="u-42", tenant_id="acme"):
        async with Client(gateway, mode="legacy") as client:
            await client.call_tool("word_count", {"text": "hello traced world"})
            await client.get_prompt("explain", {"topic": "tracing"})
            await client.read_resource("gateway://status")
            result = await client.call_tool("search_docs", {"query": "otel"})
    print("search_docs ->", [getattr(b, "text", b) for b in result.content])
    trace_id = (result.meta or {})[TRACE_ID_META_KEY]
    print("trace id (search it in your backend):", trace_id)
    return str(trace_id)


def print_tree(trace_id: str) -> None:
    """The spans of one trace from all three processes, as an indented tree."""
    spans = [
        s
        for sub in ("client", "gateway", "upstream")
        if (TRACES / sub).exists()
        for s in iter_spans(TRACES / sub)
        if s["trace_id"] == trace_id
    ]
    children: dict[str, list[dict[str, Any]]] = {}
    for s in sorted(spans, key=lambda s: s["start_ns"]):
        children.setdefault(s["parent_span_id"], []).append(s)
    ids = {s["span_id"] for s in spans}

    def show(span: dict[str, Any], depth: int) -> None:
        a = span["attributes"]
        extra = " ".join(f"{k}={a[k]}" for k in ("jsonrpc.request.id", "peer.service") if k in a)
        status = " ERROR" if span["status_code"] == "STATUS_CODE_ERROR" else ""
        print(
            f"{'  ' * depth}{span['name']}  [{span['resource']['service.name']}, "
            f"{span['kind'].removeprefix('SPAN_KIND_').lower()}]{status} {extra}".rstrip()
        )
        for child in children.get(span["span_id"], []):
            show(child, depth + 1)

    for root in [s for s in spans if s["parent_span_id"] not in ids]:
        show(root, 0)


if __name__ == "__main__":
    shutil.rmtree(TRACES, ignore_errors=True)
    os.environ.update(telemetry_env("mcp-client"))
    tel = mlt.configure()
    instrument_mcp()
    tid = asyncio.run(main())
    tel.shutdown()
    print()
    print_tree(tid)
