"""mcp-llm-trace: vendor-neutral OpenTelemetry observability for LLM apps and MCP gateways.

Quick start::

    import mcp_llm_trace as mlt

    tel = mlt.configure(service_name="gateway", traces_exporter="console")
    with mlt.using_attributes(user_id="u1", tenant_id="acme"):
        with mlt.llm_span(model="gpt-4o", provider="openai") as span:
            span.set_input([{"role": "user", "content": "Hello"}])
            span.set_output("Hi!")
            span.set_usage(input_tokens=9, output_tokens=3)
    tel.shutdown()

Heavy parts (tiktoken, Presidio, gRPC, Phoenix) are imported lazily: ``import
mcp_llm_trace`` loads none of them and never touches the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from opentelemetry import trace as _trace

from mcp_llm_trace._internal.decorate import trace_async, trace_operation
from mcp_llm_trace._internal.handle import SpanHandle
from mcp_llm_trace._settings import ConfigError
from mcp_llm_trace._version import __version__
from mcp_llm_trace.config import TelemetryConfig, load_config
from mcp_llm_trace.context import (
    current_trace_id,
    extract_context,
    inject_context,
    trace_id_headers,
    use_context,
    using_attributes,
)
from mcp_llm_trace.export.registry import ExporterRegistry
from mcp_llm_trace.metrics import MetricsCollector
from mcp_llm_trace.processors import SpanEnricher, add_span_enricher, add_span_processor
from mcp_llm_trace.setup import Telemetry, configure, get_telemetry, init_telemetry
from mcp_llm_trace.spans import (
    add_event,
    agent_span,
    batch_span,
    cache_span,
    chain_span,
    create_span,
    db_span,
    embedding_span,
    federation_forward,
    guardrail_span,
    llm_span,
    mcp_prompt_get,
    mcp_resource_read,
    mcp_tool_call,
    plugin_span,
    prompt_span,
    record_cache,
    record_exception,
    record_plugin,
    record_retry,
    reranker_span,
    retriever_span,
    set_attribute,
    set_attributes,
    tool_span,
    vector_search_span,
)
from mcp_llm_trace.streaming import trace_stream

if TYPE_CHECKING:
    from mcp_llm_trace.pricing import Cost, Usage, compute_cost, register_price
    from mcp_llm_trace.privacy import Scrubber
    from mcp_llm_trace.tokens import TokenCount, count_tokens

__all__ = [
    "ConfigError",
    "Cost",
    "ExporterRegistry",
    "MetricsCollector",
    "Scrubber",
    "SpanEnricher",
    "SpanHandle",
    "Telemetry",
    "TelemetryConfig",
    "TokenCount",
    "Usage",
    "__version__",
    "add_event",
    "add_span_enricher",
    "add_span_processor",
    "agent_span",
    "batch_span",
    "cache_span",
    "chain_span",
    "compute_cost",
    "configure",
    "count_tokens",
    "create_span",
    "current_trace_id",
    "db_span",
    "embedding_span",
    "extract_context",
    "federation_forward",
    "get_telemetry",
    "get_tracer",
    "guardrail_span",
    "init_telemetry",
    "inject_context",
    "llm_span",
    "load_config",
    "mcp_prompt_get",
    "mcp_resource_read",
    "mcp_tool_call",
    "plugin_span",
    "prompt_span",
    "record_cache",
    "record_exception",
    "record_plugin",
    "record_retry",
    "register_price",
    "reranker_span",
    "retriever_span",
    "set_attribute",
    "set_attributes",
    "tool_span",
    "trace_async",
    "trace_id_headers",
    "trace_operation",
    "trace_stream",
    "use_context",
    "using_attributes",
    "vector_search_span",
]

# Lazily imported names (they pull tiktoken / Presidio / the price table).
_LAZY = {
    "count_tokens": "mcp_llm_trace.tokens",
    "TokenCount": "mcp_llm_trace.tokens",
    "compute_cost": "mcp_llm_trace.pricing",
    "register_price": "mcp_llm_trace.pricing",
    "Usage": "mcp_llm_trace.pricing",
    "Cost": "mcp_llm_trace.pricing",
    "Scrubber": "mcp_llm_trace.privacy",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcp_llm_trace' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def get_tracer(name: str, version: str | None = None) -> _trace.Tracer:
    """An OTel tracer from the configured provider (the global one before ``configure``)."""
    tel = get_telemetry()
    if tel is not None:
        return tel.get_tracer(name, version)
    return _trace.get_tracer(name, version)
