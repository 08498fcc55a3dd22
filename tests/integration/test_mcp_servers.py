"""Real MCP servers and span-tree helpers shared by the MCP integration tests
(no tests here; imported by the ``test_mcp_*`` modules)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import anyio
import mcp.types as mt
from mcp.client import Client
from mcp.server.mcpserver import Context, MCPServer
from mcp.shared.exceptions import MCPError
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

import mcp_llm_trace as mlt

BAD_INPUT = -32602  # JSON-RPC "invalid params": what `reject` raises


def make_upstream(name: str = "upstream") -> MCPServer:
    """Two tools that work, three that fail in different ways, a prompt, a resource."""
    app = MCPServer(name)

    @app.tool()
    def search(query: str) -> str:
        """Search the docs."""
        return f"3 hits for {query}"

    @app.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @app.tool()
    def explode() -> str:
        """A tool that crashes (becomes an isError result)."""
        raise ValueError("kaput")

    @app.tool()
    def reject(reason: str) -> str:
        """A tool that answers with a JSON-RPC error."""
        raise MCPError(code=BAD_INPUT, message=f"rejected: {reason}")

    @app.tool()
    async def slow(seconds: float) -> str:
        """A tool slower than the client's timeout."""
        await anyio.sleep(seconds)
        return "done"

    @app.tool()
    async def ask_model(question: str, ctx: Context) -> str:
        """A tool that asks the client's model (sampling)."""
        result = await ctx.session.create_message(
            [mt.SamplingMessage(role="user", content=mt.TextContent(type="text", text=question))],
            max_tokens=10,
        )
        content = result.content
        return content.text if isinstance(content, mt.TextContent) else "?"

    @app.prompt()
    def summarize(topic: str) -> str:
        """Summarize a topic."""
        return f"Summarize {topic} in one line."

    @app.resource("docs://readme")
    def readme() -> str:
        """The readme."""
        return "# Readme"

    return app


def make_gateway(upstream: Any, *, peer: str = "upstream") -> MCPServer:
    """A gateway with a local tool and a tool that forwards to ``upstream`` (a server
    object connected in-process, or a transport such as StdioServerParameters)."""
    app = MCPServer("gateway")

    @app.tool()
    def echo(text: str) -> str:
        """Local tool."""
        return text

    @app.tool()
    async def forward_search(query: str) -> str:
        """Forward to the peer's ``search``."""
        with mlt.chain_span("gateway.request"):
            async with Client(upstream, mode="legacy") as peer_client:
                with mlt.federation_forward(peer=peer, method="tools/call", target="search"):
                    result = await peer_client.call_tool("search", {"query": query})
        block = result.content[0]
        return block.text if isinstance(block, mt.TextContent) else ""

    return app


async def answer_sampling(
    ctx: Any, params: mt.CreateMessageRequestParams
) -> mt.CreateMessageResult:
    """The client's "model": always answers 42."""
    return mt.CreateMessageResult(
        role="assistant", content=mt.TextContent(type="text", text="42"), model="fake-model"
    )


def hex_trace(span: ReadableSpan) -> str:
    """The span's trace id as 32 hex digits."""
    return format(span.context.trace_id, "032x")


def only(spans: Iterable[ReadableSpan], name: str, kind: SpanKind | None = None) -> ReadableSpan:
    """The single span called ``name`` (and of ``kind``)."""
    found = [s for s in spans if s.name == name and (kind is None or s.kind == kind)]
    assert len(found) == 1, f"{name!r}: {[(s.name, s.kind) for s in spans]}"
    return found[0]


def parent_of(child: ReadableSpan, spans: Iterable[ReadableSpan]) -> ReadableSpan:
    """The span whose id is ``child``'s parent id."""
    assert child.parent is not None, f"{child.name} has no parent"
    for s in spans:
        if s.context.span_id == child.parent.span_id:
            return s
    raise AssertionError(f"parent of {child.name} not captured")
