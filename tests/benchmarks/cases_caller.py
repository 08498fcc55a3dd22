"""Caller-thread cases: disabled helpers, and enabled spans against bare OTel/OpenInference.

Enabled cases use :data:`fixtures.DEFERRED_BATCH`: spans are queued during the timed loop
and exported by a flush between timed blocks, so what is timed is exactly the work done
on the caller's thread (span creation, attributes, context, enqueue).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import NoOpTracer, SpanKind

import mcp_llm_trace as mlt
from tests.benchmarks import fixtures as fx
from tests.benchmarks.harness import Group, Prepared, Variant

DEFERRED_MS = 3_600_000


def _plain() -> Prepared:
    def work() -> int:
        return 1

    return Prepared(work)


def _otel_noop() -> Prepared:
    tracer = NoOpTracer()

    def op() -> None:
        with tracer.start_as_current_span("chat gpt-4o"):
            pass

    return Prepared(op)


def _disabled_llm() -> Prepared:
    tel = fx.fresh(enabled=False)
    op = fx.llm_op()
    return Prepared(op, teardown=lambda: fx.shutdown(tel))


def _disabled_decorator() -> Prepared:
    tel = fx.fresh(enabled=False)

    @mlt.trace_operation("tool.invoke")
    def work() -> int:
        return 1

    return Prepared(work, teardown=lambda: fx.shutdown(tel))


def disabled_group() -> Group:
    """Telemetry off: our helpers vs a function call vs the OTel API no-op span."""
    return Group(
        "disabled",
        "Telemetry disabled (configure(enabled=False))",
        "caller",
        Variant(
            "otel_noop",
            "OTel API no-op span (NoOpTracer.start_as_current_span)",
            _otel_noop,
            ops=40_000,
        ),
        [
            Variant("plain_call", "plain function call", _plain, ops=80_000),
            Variant(
                "llm_span_off",
                "llm_span + set_input/output/usage, disabled",
                _disabled_llm,
                ops=40_000,
            ),
            Variant(
                "trace_operation_off",
                "@trace_operation function call, disabled",
                _disabled_decorator,
                ops=40_000,
            ),
        ],
        note="Target: disabled ≤ 1.2× the OTel no-op span.",
    )


# ------------------------------------------------------------------ enabled


def _llm_attrs() -> dict[str, Any]:
    """The attributes an equivalent hand-written span carries (both conventions)."""
    from mcp_llm_trace import semconv as sc

    return {
        sc.SPAN_KIND: sc.KIND_LLM,
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.LLM_MODEL_NAME: fx.MODEL,
        sc.GEN_AI_REQUEST_MODEL: fx.MODEL,
        sc.LLM_PROVIDER: fx.PROVIDER,
        sc.LLM_SYSTEM: fx.PROVIDER,
        sc.GEN_AI_PROVIDER_NAME: fx.PROVIDER,
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": fx.SYSTEM,
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": fx.USER,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": fx.ANSWER,
        sc.LLM_TOKEN_PROMPT: fx.USAGE["input_tokens"],
        sc.LLM_TOKEN_COMPLETION: fx.USAGE["output_tokens"],
        sc.LLM_TOKEN_TOTAL: fx.USAGE["input_tokens"] + fx.USAGE["output_tokens"],
    }


def _sdk_provider() -> tuple[TracerProvider, Callable[[], Any], Callable[[], Any]]:
    provider = TracerProvider()
    bsp = BatchSpanProcessor(
        fx.DiscardExporter(),
        max_queue_size=200_000,
        max_export_batch_size=200_000,
        schedule_delay_millis=DEFERRED_MS,
    )
    provider.add_span_processor(bsp)
    return provider, bsp.force_flush, provider.shutdown


def _bare_sdk() -> Prepared:
    provider, flush, stop = _sdk_provider()
    tracer = provider.get_tracer("bench")
    attrs = _llm_attrs()

    def op() -> None:
        with tracer.start_as_current_span("chat gpt-4o", kind=SpanKind.CLIENT, attributes=attrs):
            pass

    return Prepared(op, flush, stop)


def _openinference() -> Prepared:
    from openinference.instrumentation import OITracer, TraceConfig, get_llm_attributes

    provider, flush, stop = _sdk_provider()
    tracer = OITracer(provider.get_tracer("bench"), TraceConfig())
    msgs = [{"role": m["role"], "content": m["content"]} for m in fx.MESSAGES]
    out = [{"role": "assistant", "content": fx.ANSWER}]
    usage = {
        "prompt": fx.USAGE["input_tokens"],
        "completion": fx.USAGE["output_tokens"],
        "total": fx.USAGE["input_tokens"] + fx.USAGE["output_tokens"],
    }

    def op() -> None:
        # Idiomatic OpenInference: attributes built by its helper, input/output set
        # as JSON values, all on the same kind of SDK pipeline as ours.
        with tracer.start_as_current_span(
            "chat gpt-4o",
            openinference_span_kind="llm",
            attributes=get_llm_attributes(
                provider=fx.PROVIDER, system=fx.PROVIDER, model_name=fx.MODEL, input_messages=msgs
            ),
        ) as span:
            span.set_input(json.dumps(msgs), mime_type="application/json")
            span.set_attributes(get_llm_attributes(output_messages=out, token_count=usage))
            span.set_output(fx.ANSWER)

    return Prepared(op, flush, stop)


def _ours(op: Callable[[], Any], **cfg: Any) -> Callable[[], Prepared]:
    def setup() -> Prepared:
        tel = fx.fresh(**fx.DEFERRED_BATCH, **cfg)
        return Prepared(op, tel.force_flush, lambda: fx.shutdown(tel))

    return setup


def _tool_op() -> None:
    with mlt.tool_span("github_search", arguments={"q": "otel", "limit": 5}) as span:
        span.set_output({"items": 5})


def _retriever_op() -> None:
    with mlt.retriever_span("late delivery", data_source="kb", top_k=5) as span:
        span.set_documents(fx.DOCUMENTS)


_CAPTURE = {"capture_content": True}
_OFF = {"privacy_sanitize_pii": False, "pricing_enabled": False}
_ON = {"privacy_sanitize_pii": True, "pricing_enabled": True}


def enabled_group() -> Group:
    """Telemetry on: one typical LLM span on the caller's thread."""
    n = 1500
    return Group(
        "enabled",
        "Enabled, caller thread: one typical LLM span",
        "caller",
        Variant("bare_sdk", "bare OTel SDK span, same 17 attributes at start", _bare_sdk, ops=n),
        [
            Variant(
                "llm_both",
                "llm_span semconv=both, capture on",
                _ours(fx.llm_op(), semconv="both", **_CAPTURE, **_OFF),
                ops=n,
            ),
            Variant(
                "llm_genai",
                "llm_span semconv=genai, capture on",
                _ours(fx.llm_op(), semconv="genai", **_CAPTURE, **_OFF),
                ops=n,
            ),
            Variant(
                "llm_oi",
                "llm_span semconv=openinference, capture on",
                _ours(fx.llm_op(), semconv="openinference", **_CAPTURE, **_OFF),
                ops=n,
            ),
            Variant(
                "llm_both_nocapture",
                "llm_span semconv=both, capture off (default)",
                _ours(fx.llm_op(), semconv="both", **_OFF),
                ops=n,
            ),
            Variant(
                "llm_both_scrub_price",
                "llm_span both, capture + scrubbing + pricing on",
                _ours(fx.llm_op(), semconv="both", **_CAPTURE, **_ON),
                ops=n,
                note="scrubbing and pricing run in the export thread (flushed untimed)",
            ),
            Variant(
                "openinference", "OpenInference OITracer equivalent LLM span", _openinference, ops=n
            ),
            Variant(
                "tool_span",
                "tool_span with arguments + output, capture on",
                _ours(_tool_op, **_CAPTURE, **_OFF),
                ops=n,
            ),
            Variant(
                "retriever_span",
                "retriever_span with 5 documents, capture on",
                _ours(_retriever_op, **_CAPTURE, **_OFF),
                ops=n,
            ),
        ],
        note="Targets: llm_span (both conventions) ≤ OpenInference and < 50 µs; "
        "scrubbing+pricing on leaves caller-thread cost unchanged.",
    )


def mcp_group() -> Group | None:
    """The MCP integration per call, when ``tests/benchmarks/bench_mcp.py`` provides
    ``mcp_group() -> Group``; None (reported as skipped) otherwise."""
    if importlib.util.find_spec("tests.benchmarks.bench_mcp") is None:
        return None
    mod = importlib.import_module("tests.benchmarks.bench_mcp")
    make = getattr(mod, "mcp_group", None)
    return make() if callable(make) else None
