"""Metric recording at span end (caller thread; instruments are cheap, attrs bounded)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from opentelemetry.metrics import NoOpMeter
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import tool_scope

if TYPE_CHECKING:
    from mcp_llm_trace._internal.handle import SpanHandle

_DIMENSION_KEYS = (
    sc.GEN_AI_OPERATION_NAME,
    sc.GEN_AI_PROVIDER_NAME,
    sc.GEN_AI_REQUEST_MODEL,
    sc.GEN_AI_TOOL_NAME,
    sc.MCP_METHOD_NAME,
    sc.TENANT_ID,
    sc.USER_ID,
    sc.DB_SYSTEM,
)

_OI_FALLBACK = (
    (sc.GEN_AI_REQUEST_MODEL, sc.LLM_MODEL_NAME),
    (sc.GEN_AI_PROVIDER_NAME, sc.LLM_PROVIDER),
    (sc.GEN_AI_TOOL_NAME, sc.TOOL_NAME),
)


def record_span_metrics(handle: SpanHandle, exc: BaseException | None) -> None:
    """Duration/tokens/requests/tool counters for one finished helper span."""
    rt = handle._rt
    mc = rt.metrics
    # No metric export configured: the instruments are no-ops, so building their
    # attribute sets would be pure overhead on the caller's thread.
    if mc is None or isinstance(mc.meter, NoOpMeter):
        return
    duration = (time.perf_counter_ns() - handle._start_ns) / 1e9
    span_attrs = handle.span.attributes if hasattr(handle.span, "attributes") else None
    source = dict(handle._attrs)
    if span_attrs:
        for k in (sc.TENANT_ID, sc.USER_ID):
            v = span_attrs.get(k)
            if v is not None:
                source[k] = v
    attrs: dict[str, AttributeValue] = {k: source[k] for k in _DIMENSION_KEYS if k in source}
    if not rt.genai:
        # semconv=openinference: spans lack gen_ai.* keys, the metrics keep GenAI names.
        for metric_key, oi_key in _OI_FALLBACK:
            if metric_key not in attrs and oi_key in source:
                attrs[metric_key] = source[oi_key]
    error_type = handle._pending.get(sc.ERROR_TYPE)
    if exc is not None or error_type is not None:
        attrs[sc.ERROR_TYPE] = error_type or type(exc).__qualname__
    kind = handle._metric
    if kind == "genai":
        mc.record(mc.instrument("duration"), duration, attrs)
        usage = getattr(handle, "_usage", None)
        if usage is not None:
            th = mc.instrument("token_usage")
            mc.record(th, usage[0], {**attrs, sc.GEN_AI_TOKEN_TYPE: "input"})
            mc.record(th, usage[1], {**attrs, sc.GEN_AI_TOKEN_TYPE: "output"})
        if handle._first_chunk_ns:
            mc.record(
                mc.instrument("ttfc"), (handle._first_chunk_ns - handle._start_ns) / 1e9, attrs
            )
        mc.add(mc.instrument("requests"), 1, attrs)
    elif kind in ("mcp_server", "mcp_client"):
        mc.record(mc.instrument(kind), duration, attrs)
        mc.add(mc.instrument("requests"), 1, attrs)
    elif kind == "db":
        cfg = rt.config
        if cfg is not None and any(
            c.name == "database" and c.enabled for c in cfg.metrics.collectors
        ):
            mc.record(mc.instrument("db_duration"), duration, attrs)
    if kind == "tool":
        errored = sc.ERROR_TYPE in attrs
        mc.add(mc.instrument("tool_calls"), 1, attrs)
        if errored:
            mc.add(mc.instrument("tool_errors"), 1, attrs)
        tool_scope.note_nested(attrs.get(sc.GEN_AI_TOOL_NAME), errored)
    elif kind == "mcp_server" and sc.GEN_AI_TOOL_NAME in attrs:
        tool_scope.count_server_tool(mc, attrs, handle._tool_scope)
