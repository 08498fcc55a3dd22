"""Server side (mcp 2.x): one innermost middleware on every ``Server`` in the process.

``ServerRunner._compose_server_middleware`` builds the chain for each inbound request
and notification; we wrap its innermost callable, so the middleware runs inside the
SDK's own ``OpenTelemetryMiddleware`` SERVER span and enriches it (session id,
arguments, result, JSON-RPC error code, duration metric). When that span is missing
(the user removed the SDK middleware) we open the SERVER span ourselves, parented on
the ``traceparent`` in ``params._meta``.

The trace id goes back to the client in the result's
``_meta["mcp_llm_trace/trace_id"]`` and, on streamable HTTP, in ``X-Trace-Id`` (``_http``).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import nullcontext
from typing import Any

from opentelemetry import trace

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import tool_scope
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.runtime import Runtime, active
from mcp_llm_trace.context import extract_context, use_context
from mcp_llm_trace.gateway_spans import mcp_span
from mcp_llm_trace.integrations.mcp import _attrs
from mcp_llm_trace.integrations.mcp._patch import Patcher
from mcp_llm_trace.integrations.mcp._sdkspan import SERVER_SPAN

CallNext = Callable[[Any], Awaitable[Any]]

#: Set by the HTTP wrapper for one HTTP request; the server span writes its trace id.
HTTP_TRACE_SLOT: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "mcp_llm_trace_http_trace_slot", default=None
)


def session_id_of(ctx: Any) -> str | None:
    """``Mcp-Session-Id`` of the HTTP request behind ``ctx`` (None on stdio)."""
    headers = getattr(getattr(ctx, "request", None), "headers", None)
    if headers is None:
        return None
    value = headers.get("mcp-session-id")
    return value if isinstance(value, str) and value else None


def error_code_of(exc: BaseException) -> tuple[int, str] | None:
    """The JSON-RPC code the dispatcher will put on the wire for ``exc``."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    if isinstance(code, int):
        return code, str(getattr(error, "message", "") or "")
    if type(exc).__name__ == "ValidationError":
        return _attrs.INVALID_PARAMS, "Invalid request parameters"
    if isinstance(exc, Exception):
        return 0, str(exc)  # mcp 2.x answers unexpected handler errors with code 0
    return None  # cancellation: no error response


def stamp_trace_id(span: trace.Span, result: Any, is_request: bool) -> Any:
    """Put the trace id in the result ``_meta`` and in the HTTP slot."""
    ctx = span.get_span_context()
    if not ctx.is_valid:
        return result
    tid = format(ctx.trace_id, "032x")
    slot = HTTP_TRACE_SLOT.get()
    if slot is not None and not slot:
        slot.append(tid)
    if is_request and isinstance(result, dict):
        meta = result.get("_meta")
        if meta is None or isinstance(meta, Mapping):
            result["_meta"] = {**(meta or {}), sc.MCP_TRACE_ID_META_KEY: tid}
    return result


def traced(inner: CallNext) -> CallNext:
    """The innermost middleware."""

    async def call(ctx: Any) -> Any:
        rt = active()
        if rt.tracer is None:
            return await inner(ctx)
        span = SERVER_SPAN.get()
        if span is not None and span is trace.get_current_span() and span.is_recording():
            return await _enrich(rt, span, inner, ctx)
        return await _own(rt, inner, ctx)

    return call


def _start_attrs(rt: Runtime, ctx: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = _attrs.request_attributes(rt, ctx.method, ctx.params)
    sid = session_id_of(ctx)
    if sid:
        attrs[sc.MCP_SESSION_ID] = sid
    return attrs


async def _enrich(rt: Runtime, span: trace.Span, inner: CallNext, ctx: Any) -> Any:
    start = time.perf_counter_ns()
    is_request = ctx.request_id is not None
    end: dict[str, Any] = {}
    try:
        span.set_attributes(_start_attrs(rt, ctx))
        stamp_trace_id(span, None, False)
    except Exception as exc:
        report_internal_error("mcp.server.start", exc)
    scope, token = (None, None)
    if ctx.method == "tools/call":
        name = tool_scope.tool_name_of(getattr(span, "attributes", None) or {})
        if name is not None:
            scope, token = tool_scope.enter(name)
    try:
        result = await inner(ctx)
    except BaseException as exc:
        found = error_code_of(exc)
        if found is not None:
            end = _attrs.error_attributes(*found)
            if found[0] == 0:
                end[sc.ERROR_TYPE] = type(exc).__qualname__
            span.set_attributes(end)
        _record(rt, span, start, end, scope)
        raise
    finally:
        if token is not None:
            tool_scope.leave(token)
    try:
        if isinstance(result, Mapping):
            end = _attrs.result_attributes(rt, ctx.method, result)
            if ctx.method == "tools/call" and _attrs.is_tool_error(result):
                end[sc.ERROR_TYPE] = sc.MCP_TOOL_ERROR
            span.set_attributes(end)
        result = stamp_trace_id(span, result, is_request)
        _record(rt, span, start, end, scope)
    except Exception as exc:
        report_internal_error("mcp.server.end", exc)
    return result


def _record(
    rt: Runtime,
    span: trace.Span,
    start: int,
    end: Mapping[str, Any],
    scope: tool_scope.ToolScope | None,
) -> None:
    mc = rt.metrics
    if mc is None:
        return
    hist = mc.instrument("mcp_server")
    if hist is None:
        return
    merged = {**(getattr(span, "attributes", None) or {}), **end}
    dims = _attrs.metric_attributes(merged)
    mc.record(hist, (time.perf_counter_ns() - start) / 1e9, dims)
    if sc.GEN_AI_TOOL_NAME in dims:
        tool_scope.count_server_tool(mc, dims, scope)


async def _own(rt: Runtime, inner: CallNext, ctx: Any) -> Any:
    params = ctx.params or {}
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    parent = extract_context(meta) if isinstance(meta, Mapping) and meta else None
    attrs = _start_attrs(rt, ctx)
    handle = mcp_span(
        ctx.method,
        _attrs.target_of(ctx.method, params),
        side="server",
        request_id=ctx.request_id,
        protocol_version=ctx.protocol_version,
        session_id=attrs.get(sc.MCP_SESSION_ID),
        attributes=attrs,
    )
    # The span starts on __aenter__: the remote parent must be current by then.
    with use_context(parent) if parent is not None else nullcontext():
        async with handle:
            try:
                result = await inner(ctx)
            except BaseException as exc:
                found = error_code_of(exc)
                if found is not None:
                    handle.set_attributes(_attrs.error_attributes(*found))
                raise
            if isinstance(result, Mapping):
                handle.set_attributes(_attrs.result_attributes(rt, ctx.method, result))
                if ctx.method == "tools/call" and _attrs.is_tool_error(result):
                    handle.set_error("tool returned isError", error_type=sc.MCP_TOOL_ERROR)
            return stamp_trace_id(handle.span, result, ctx.request_id is not None)


def install(patcher: Patcher) -> None:
    """Patch ``ServerRunner`` and the SDK's span factory (mcp 2.x)."""
    from mcp.server.runner import ServerRunner

    def factory(original: Callable[..., Any]) -> Callable[..., Any]:
        def _compose_server_middleware(self: Any, inner: CallNext) -> Any:
            return original(self, traced(inner))

        return _compose_server_middleware

    patcher.wrap(ServerRunner, "_compose_server_middleware", factory)
