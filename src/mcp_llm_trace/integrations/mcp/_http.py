"""Streamable HTTP server: an ``X-Trace-Id`` response header on every POST.

The server span is opened in the dispatcher's task, after the HTTP handler has started;
the HTTP task hands it a one-slot list through a context variable (the SDK's context
streams carry the sender's context to the handler) and holds ``http.response.start``
back until the first body chunk, by which time the span has written its trace id. When
nothing was written (e.g. the request was rejected before dispatch), the
``traceparent`` in the body's ``params._meta`` — the trace the span would join — is used.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.runtime import active
from mcp_llm_trace.integrations.mcp._patch import Patcher
from mcp_llm_trace.integrations.mcp._server import HTTP_TRACE_SLOT

Message = MutableMapping[str, Any]
_MAX_BODY = 1 << 20  # only small JSON-RPC bodies are parsed for the fallback
_HEADER = sc.TRACE_ID_HEADER.lower().encode("latin-1")


def trace_id_from_body(body: bytes) -> str | None:
    """The trace id of the first ``params._meta.traceparent`` in a JSON-RPC body."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    for msg in data if isinstance(data, list) else [data]:
        params = msg.get("params") if isinstance(msg, dict) else None
        meta = params.get("_meta") if isinstance(params, dict) else None
        tp = meta.get("traceparent") if isinstance(meta, dict) else None
        if isinstance(tp, str):
            parts = tp.split("-")
            if len(parts) == 4 and len(parts[1]) == 32 and parts[1] != "0" * 32:
                return parts[1]
    return None


def wrap_handle_request(original: Callable[..., Awaitable[None]]) -> Callable[..., Any]:
    """An ASGI entry point ``(self, scope, receive, send)`` with the header added."""

    async def handle_request(
        self: Any,
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if (
            active().tracer is None
            or scope.get("type") != "http"
            or scope.get("method") != "POST"
            or HTTP_TRACE_SLOT.get() is not None
        ):
            await original(self, scope, receive, send)
            return
        slot: list[str] = []
        body = bytearray()
        held: list[Message] = []

        async def recv() -> Message:
            message = await receive()
            if message.get("type") == "http.request" and len(body) < _MAX_BODY:
                body.extend(message.get("body", b""))
            return message

        async def release() -> None:
            start = held.pop()
            try:
                tid = slot[0] if slot else trace_id_from_body(bytes(body))
                if tid:
                    start = dict(start)
                    start["headers"] = [*start.get("headers", ()), (_HEADER, tid.encode())]
            except Exception as exc:
                report_internal_error("mcp.http.header", exc)
            await send(start)

        async def snd(message: Message) -> None:
            kind = message.get("type")
            if kind == "http.response.start" and not slot:
                held.append(message)  # wait for the span (first body chunk)
                return
            if kind == "http.response.start":
                held.append(message)
            if held:
                await release()
                if kind == "http.response.start":
                    return
            await send(message)

        token = HTTP_TRACE_SLOT.set(slot)
        try:
            await original(self, scope, recv, snd)
        finally:
            HTTP_TRACE_SLOT.reset(token)
            if held:
                await release()

    return handle_request


def install(patcher: Patcher) -> None:
    """Patch the streamable HTTP entry points (mcp 2.x): the ASGI app the servers mount,
    and the session manager's ``handle_request`` for apps that mount it themselves."""
    from mcp.server.streamable_http_manager import (
        StreamableHTTPASGIApp,
        StreamableHTTPSessionManager,
    )

    patcher.wrap(StreamableHTTPASGIApp, "__call__", wrap_handle_request)
    patcher.wrap(StreamableHTTPSessionManager, "handle_request", wrap_handle_request)
