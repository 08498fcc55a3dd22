"""Client side (mcp 2.x): describe every request and notification a session sends.

Patched (class level, so sessions created before ``instrument_mcp()`` are covered):

* ``JSONRPCDispatcher.send_raw_request`` — publishes an :class:`Outbound` for the SDK's
  own ``MCP send …`` span (enriched in ``_sdkspan``); the SDK injects ``traceparent``;
* ``JSONRPCDispatcher._resolve_pending`` — hands the response to the waiting span while
  it is still open (it ends before ``send_raw_request`` returns);
* ``JSONRPCDispatcher.notify`` — the SDK has no span for notifications: ours, with the
  context injected into ``params._meta``;
* ``DirectDispatcher.send_raw_request`` — the in-process path has no SDK span: ours;
* ``ClientSession.send_request`` — remembers the session (protocol version).

Requests the *server* sends (sampling, elicitation, roots) go through the same
dispatcher, so they are covered too; their handling on the client is in ``_inbound``.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Mapping
from typing import Any

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.runtime import active
from mcp_llm_trace.context import inject_context
from mcp_llm_trace.gateway_spans import mcp_span
from mcp_llm_trace.integrations.mcp import _attrs
from mcp_llm_trace.integrations.mcp._patch import Patcher
from mcp_llm_trace.integrations.mcp._sdkspan import (
    CALL,
    PENDING,
    Outbound,
    finish_call,
    unused_forward_span,
)

SESSION: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "mcp_llm_trace_mcp_session", default=None
)

Fn = Callable[..., Any]


def with_meta(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of ``params`` whose ``_meta`` carries the current trace context."""
    out = dict(params) if params else {}
    meta = dict(out.get("_meta") or {})
    inject_context(meta)
    if meta:
        out["_meta"] = meta
    return out


def wrap_send_raw_request(original: Fn) -> Fn:
    """JSONRPCDispatcher: the SDK spans it; we only publish what the span describes."""

    async def send_raw_request(
        self: Any, method: str, params: Mapping[str, Any] | None, *args: Any, **kwargs: Any
    ) -> Any:
        rt = active()
        if rt.tracer is None:
            return await original(self, method, params, *args, **kwargs)
        token = CALL.set(Outbound(rt, self, method, params, SESSION.get()))
        try:
            return await original(self, method, params, *args, **kwargs)
        finally:
            CALL.reset(token)

    return send_raw_request


def wrap_resolve_pending(original: Fn) -> Fn:
    """Give the outcome to the open span before waking the waiter."""

    def _resolve_pending(self: Any, request_id: Any, outcome: Any) -> Any:
        if PENDING:
            call = PENDING.get((id(self), str(request_id)))
            if call is not None:
                call.outcome = outcome
        return original(self, request_id, outcome)

    return _resolve_pending


def wrap_direct_send(original: Fn) -> Fn:
    """DirectDispatcher (in-process, no JSON-RPC framing): no SDK span, so ours."""

    async def send_raw_request(
        self: Any, method: str, params: Mapping[str, Any] | None, *args: Any, **kwargs: Any
    ) -> Any:
        rt = active()
        if rt.tracer is None:
            return await original(self, method, params, *args, **kwargs)
        call = Outbound(rt, self, method, params, SESSION.get())
        forward = unused_forward_span()
        attrs = _attrs.request_attributes(rt, method, params)
        version = getattr(call.session, "protocol_version", None)
        if isinstance(version, str):
            attrs[sc.MCP_PROTOCOL_VERSION] = version
        if forward is not None:
            forward.set_attributes({k: v for k, v in attrs.items() if k != sc.SPAN_KIND})
            return await _run(call, forward, original, self, params, args, kwargs)
        handle = mcp_span(method, _attrs.target_of(method, params), side="client", attributes=attrs)
        with handle:
            return await _run(call, handle.span, original, self, params, args, kwargs)

    return send_raw_request


async def _run(
    call: Outbound,
    span: Any,
    original: Fn,
    dispatcher: Any,
    params: Mapping[str, Any] | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """The send, with our span (or the reused forward span) current."""
    call.span = span
    call.start_ns = time.perf_counter_ns()
    error: BaseException | None = None
    try:
        result = await original(dispatcher, call.method, with_meta(params), *args, **kwargs)
        call.outcome = result
        return result
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            # SpanHandle records its own duration; a reused forward span does too.
            finish_call(call, span, error, metric=False)
        except Exception as exc:
            report_internal_error("mcp.client.end", exc)


def wrap_notify(original: Fn) -> Fn:
    """Outgoing notifications: a CLIENT span, context injected into ``params._meta``."""

    async def notify(
        self: Any, method: str, params: Mapping[str, Any] | None, *args: Any, **kwargs: Any
    ) -> Any:
        rt = active()
        if rt.tracer is None:
            return await original(self, method, params, *args, **kwargs)
        with mcp_span(
            method, side="client", attributes=_attrs.request_attributes(rt, method, None)
        ):
            return await original(self, method, with_meta(params), *args, **kwargs)

    return notify


def wrap_session_send_request(original: Fn) -> Fn:
    """Remember which session sends, for ``mcp.protocol.version`` on the span."""

    async def send_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = SESSION.set(self)
        try:
            return await original(self, *args, **kwargs)
        finally:
            SESSION.reset(token)

    return send_request


def install(patcher: Patcher) -> None:
    """Patch the mcp 2.x client-side classes."""
    from mcp.client.session import ClientSession
    from mcp.shared import direct_dispatcher, jsonrpc_dispatcher

    rpc = jsonrpc_dispatcher.JSONRPCDispatcher
    patcher.wrap(rpc, "send_raw_request", wrap_send_raw_request)
    patcher.wrap(rpc, "_resolve_pending", wrap_resolve_pending)
    patcher.wrap(rpc, "notify", wrap_notify)
    patcher.wrap(direct_dispatcher.DirectDispatcher, "send_raw_request", wrap_direct_send)
    patcher.wrap(ClientSession, "send_request", wrap_session_send_request)
