"""MCP and gateway helpers: tool calls, prompts, resources, federation, batches, DB,
plugins, caches, retries — the operations of the seed's user stories.

MCP spans follow the MCP semantic conventions (``mcp.method.name``, ``mcp.session.id``,
``jsonrpc.request.id``; span name ``"{method} {target}"``) and are also OpenInference
TOOL/CHAIN spans so Phoenix shows them.

Example::

    with mlt.mcp_tool_call("github_search", arguments={"q": "otel"}, request_id=7) as s:
        s.set_output(result)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.handle import SpanHandle, coerce, deferred_noop
from mcp_llm_trace._internal.runtime import active

__all__ = [
    "batch_span",
    "cache_span",
    "db_span",
    "federation_forward",
    "mcp_prompt_get",
    "mcp_resource_read",
    "mcp_span",
    "mcp_tool_call",
    "plugin_span",
    "record_breaker_state",
    "record_cache",
    "record_plugin",
    "record_retry",
]


def mcp_span(
    method: str,
    target: str | None = None,
    *,
    side: str = "server",
    session_id: str | None = None,
    request_id: str | int | None = None,
    protocol_version: str | None = None,
    oi_kind: str = sc.KIND_CHAIN,
    attributes: Mapping[str, Any] | None = None,
    family: str = "generic",
) -> SpanHandle:
    """Any MCP request span (``tools/list``, ``initialize``, …). ``side`` is ``server``
    (SERVER kind, ``mcp.server.operation.duration``) or ``client``."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(mcp_span, locals())
    a: dict[str, AttributeValue] = {sc.MCP_METHOD_NAME: method}
    if rt.openinference:
        a[sc.SPAN_KIND] = oi_kind
    if session_id:
        a[sc.MCP_SESSION_ID] = session_id
    if request_id is not None:
        a[sc.JSONRPC_REQUEST_ID] = str(request_id)
    if protocol_version:
        a[sc.MCP_PROTOCOL_VERSION] = protocol_version
    if attributes:
        a.update(coerce(attributes))
    client = side == "client"
    name = f"{method} {target}" if target else method
    h = SpanHandle(
        rt,
        name,
        a,
        kind=SpanKind.CLIENT if client else SpanKind.SERVER,
        family=family,
        metric="mcp_client" if client else "mcp_server",
    )
    h._decorator_args = (
        mcp_span,
        (method, target),
        {
            "side": side,
            "session_id": session_id,
            "request_id": request_id,
            "protocol_version": protocol_version,
            "oi_kind": oi_kind,
            "attributes": attributes,
            "family": family,
        },
    )
    return h


def mcp_tool_call(
    tool_name: str,
    *,
    arguments: Any = None,
    side: str = "server",
    session_id: str | None = None,
    request_id: str | int | None = None,
    protocol_version: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """``tools/call {tool}``: MCP keys + ``gen_ai.tool.name`` + OpenInference TOOL."""
    params = dict(locals())  # before any other local: exactly the arguments
    if active().tracer is None:
        return deferred_noop(mcp_tool_call, params)
    h = mcp_span(
        "tools/call",
        tool_name,
        side=side,
        session_id=session_id,
        request_id=request_id,
        protocol_version=protocol_version,
        oi_kind=sc.KIND_TOOL,
        attributes=attributes,
        family="tool",
    )
    h._decorator_args = (mcp_tool_call, (), params)
    h._attrs[sc.GEN_AI_TOOL_NAME] = tool_name
    h._attrs[sc.GEN_AI_OPERATION_NAME] = "execute_tool"
    if h._rt.openinference:
        h._attrs[sc.TOOL_NAME] = tool_name
    if arguments is not None:
        from mcp_llm_trace.spans import _tool_arguments

        _tool_arguments(h, arguments)
    return h


def mcp_prompt_get(
    prompt_name: str,
    *,
    arguments: Mapping[str, Any] | None = None,
    side: str = "server",
    session_id: str | None = None,
    request_id: str | int | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """``prompts/get {name}``: OpenInference PROMPT kind."""
    params = dict(locals())  # before any other local: exactly the arguments
    if active().tracer is None:
        return deferred_noop(mcp_prompt_get, params)
    h = mcp_span(
        "prompts/get",
        prompt_name,
        side=side,
        session_id=session_id,
        request_id=request_id,
        oi_kind=sc.KIND_PROMPT,
        attributes=attributes,
        family="prompt",
    )
    h._decorator_args = (mcp_prompt_get, (), params)
    h._attrs[sc.GEN_AI_PROMPT_NAME] = prompt_name
    if arguments:
        h._attrs[sc.PROMPT_VARIABLE_NAMES] = sorted(str(k) for k in arguments)
    return h


def mcp_resource_read(
    uri: str,
    *,
    side: str = "server",
    session_id: str | None = None,
    request_id: str | int | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """``resources/read {uri}`` with ``mcp.resource.uri``."""
    params = dict(locals())  # before any other local: exactly the arguments
    if active().tracer is None:
        return deferred_noop(mcp_resource_read, params)
    h = mcp_span(
        "resources/read",
        uri,
        side=side,
        session_id=session_id,
        request_id=request_id,
        oi_kind=sc.KIND_RETRIEVER,
        attributes=attributes,
        family="retriever",
    )
    h._decorator_args = (mcp_resource_read, (), params)
    h._attrs[sc.MCP_RESOURCE_URI] = uri
    return h


def federation_forward(
    peer: str,
    *,
    method: str = "tools/call",
    target: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """``gateway.forward``: a call forwarded to a peer gateway (CLIENT span with
    ``peer.service`` and ``rpc.method``). Inject the context into the outgoing request
    with :func:`mcp_llm_trace.inject_context` inside the block."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(federation_forward, locals())
    a: dict[str, AttributeValue] = {
        sc.PEER_SERVICE: peer,
        sc.RPC_METHOD: method,
        sc.RPC_SYSTEM: "jsonrpc",
        sc.MCP_METHOD_NAME: method,
        sc.FEDERATION_PEER: peer,
    }
    if rt.openinference:
        a[sc.SPAN_KIND] = sc.KIND_CHAIN
    if target:
        a[sc.GEN_AI_TOOL_NAME] = target
    if attributes:
        a.update(coerce(attributes))
    h = SpanHandle(rt, "gateway.forward", a, kind=SpanKind.CLIENT, metric="mcp_client")
    h._decorator_args = (
        federation_forward,
        (peer,),
        {"method": method, "target": target, "attributes": attributes},
    )
    return h


class BatchHandle(SpanHandle):
    """Handle of ``batch_span``: count items and per-item failures."""

    __slots__ = ("_failed", "_items")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._items = 0
        self._failed = 0

    def item_succeeded(self) -> None:
        """One item done."""
        self._items += 1

    def item_failed(self, item_id: str | int, error: BaseException | str) -> None:
        """One item failed: counted, and an event names it (the batch still succeeds)."""
        self._items += 1
        self._failed += 1
        self.add_event(
            "batch.item_failed", {sc.BATCH_ITEM_ID: str(item_id), sc.ERROR_TYPE: _error_name(error)}
        )

    def _finish(self) -> None:
        super()._finish()
        if self._items:
            self._pending.setdefault(sc.BATCH_ITEMS, self._items)
        self._pending[sc.BATCH_FAILED_ITEMS] = self._failed


def _error_name(error: BaseException | str) -> str:
    return type(error).__qualname__ if isinstance(error, BaseException) else str(error)


def batch_span(
    name: str, *, items: int | None = None, attributes: Mapping[str, Any] | None = None
) -> BatchHandle:
    """A batch operation with item counts and per-item failures."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(batch_span, locals())  # type: ignore[return-value]
    a: dict[str, AttributeValue] = {}
    if rt.openinference:
        a[sc.SPAN_KIND] = sc.KIND_CHAIN
    if items is not None:
        a[sc.BATCH_ITEMS] = items
    if attributes:
        a.update(coerce(attributes))
    h = BatchHandle(rt, f"batch {name}", a)
    h._decorator_args = (batch_span, (name,), {"items": items, "attributes": attributes})
    return h


def db_span(
    operation: str,
    *,
    db_system: str,
    collection: str | None = None,
    query_summary: str | None = None,
    namespace: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """A database query: ``db.system.name``, ``db.operation.name``, ``db.query.summary``
    (never raw parameters). CLIENT kind; ``db.client.operation.duration`` when the
    ``database`` collector is on."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(db_span, locals())
    a: dict[str, AttributeValue] = {sc.DB_SYSTEM: db_system, sc.DB_OPERATION_NAME: operation}
    if rt.openinference:
        a[sc.SPAN_KIND] = sc.KIND_CHAIN  # OpenInference has no DB kind; CHAIN = generic step
    if collection:
        a[sc.DB_COLLECTION_NAME] = collection
    if namespace:
        a[sc.DB_NAMESPACE] = namespace
    a[sc.DB_QUERY_SUMMARY] = query_summary or (
        f"{operation} {collection}" if collection else operation
    )
    if attributes:
        a.update(coerce(attributes))
    h = SpanHandle(rt, str(a[sc.DB_QUERY_SUMMARY]), a, kind=SpanKind.CLIENT, metric="db")
    h._decorator_args = (
        db_span,
        (operation,),
        {
            "db_system": db_system,
            "collection": collection,
            "query_summary": query_summary,
            "namespace": namespace,
            "attributes": attributes,
        },
    )
    return h


def plugin_span(
    name: str,
    *,
    order: int | None = None,
    hook: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """A gateway plugin execution (name, order, hook): its own span with timing."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(plugin_span, locals())
    a: dict[str, AttributeValue] = {sc.PLUGIN_NAME: name}
    if rt.openinference:
        a[sc.SPAN_KIND] = sc.KIND_CHAIN
    if order is not None:
        a[sc.PLUGIN_ORDER] = order
    if attributes:
        a.update(coerce(attributes))
    h = SpanHandle(rt, f"plugin {hook + ' ' if hook else ''}{name}", a)
    h._decorator_args = (
        plugin_span,
        (name,),
        {"order": order, "hook": hook, "attributes": attributes},
    )
    return h


def record_plugin(
    name: str,
    *,
    order: int | None = None,
    duration_ms: float | None = None,
    outcome: str = "ok",
    hook: str = "pre_invoke",
) -> None:
    """An event ``plugin.{hook}.executed`` on the current span (the seed's trace shape)."""
    attrs: dict[str, Any] = {
        sc.SEED_PLUGIN_NAME: name,
        sc.PLUGIN_NAME: name,
        sc.PLUGIN_OUTCOME: outcome,
    }
    if order is not None:
        attrs[sc.PLUGIN_ORDER] = order
    if duration_ms is not None:
        attrs[sc.PLUGIN_DURATION_MS] = float(duration_ms)
    _event(f"plugin.{hook}.executed", attrs)


def cache_span(cache: str, *, key_summary: str | None = None) -> SpanHandle:
    """A cache lookup span; call ``set_attribute(semconv.CACHE_HIT, bool)`` or use
    :func:`record_cache` inside."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(cache_span, locals())
    a: dict[str, AttributeValue] = {sc.CACHE_NAME: cache}
    if rt.openinference:
        a[sc.SPAN_KIND] = sc.KIND_CHAIN
    if key_summary:
        a[sc.DB_QUERY_SUMMARY] = key_summary
    h = SpanHandle(rt, f"cache {cache}", a)
    h._decorator_args = (cache_span, (cache,), {"key_summary": key_summary})
    return h


def record_cache(cache: str, *, hit: bool) -> None:
    """Record a cache hit/miss on the current span (attribute + event + counter)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(sc.CACHE_HIT, hit)
        span.set_attribute(sc.CACHE_NAME, cache)
        span.add_event("cache.hit" if hit else "cache.miss", {sc.CACHE_NAME: cache})
    rt = active()
    mc = rt.metrics
    counter = mc.instrument("cache") if mc is not None else None
    if counter is not None:
        # Straight to the instrument: the dimension allow-list (tenant/model/…) would
        # drop both keys, leaving a hit/miss counter that cannot tell hits from misses.
        # A cache name is chosen by the developer (few values) and hit is a bool.
        counter.add(1, {sc.CACHE_NAME: cache, sc.CACHE_HIT: hit})


def record_retry(
    attempt: int, *, backoff_ms: float | None = None, error: BaseException | str | None = None
) -> None:
    """A retry of the current operation: event ``retry`` + ``retry.attempt`` attribute,
    and +1 on the ``mcp_llm_trace.retries`` counter (by ``error.type`` and tool)."""
    attrs: dict[str, Any] = {sc.RETRY_ATTEMPT: attempt}
    if backoff_ms is not None:
        attrs[sc.RETRY_BACKOFF_MS] = float(backoff_ms)
    if error is not None:
        attrs[sc.ERROR_TYPE] = _error_name(error)
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attribute(sc.RETRY_ATTEMPT, attempt)
        span.add_event("retry", coerce(attrs))
    mc = active().metrics
    counter = mc.instrument("retries") if mc is not None else None
    if counter is not None:
        # Few values by construction: the error's type name and the tool (if any).
        dims: dict[str, Any] = {}
        if sc.ERROR_TYPE in attrs:
            dims[sc.ERROR_TYPE] = attrs[sc.ERROR_TYPE]
        span_attrs = getattr(span, "attributes", None) or {}
        tool = span_attrs.get(sc.GEN_AI_TOOL_NAME) or span_attrs.get(sc.TOOL_NAME)
        if tool is not None:
            dims[sc.GEN_AI_TOOL_NAME] = tool
        counter.add(1, dims)


def record_breaker_state(name: str, state: str) -> None:
    """The state of a circuit breaker the operation went through (closed/open/half_open)."""
    _event("circuit_breaker.state", {sc.BREAKER_NAME: name, sc.BREAKER_STATE: state})


def _event(name: str, attrs: Mapping[str, Any]) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(name, coerce(attrs))
