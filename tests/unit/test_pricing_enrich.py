"""CostEnrichmentTransform on real SDK spans made by a plain OTel tracer."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.pricing import Cost, Usage, compute_cost
from mcp_llm_trace.pricing.enrich import CostEnrichmentTransform
from mcp_llm_trace.tokens import count_tokens


def _span(tracer_spans: tuple[Any, InMemorySpanExporter], attrs: Mapping[str, Any]) -> ReadableSpan:
    tracer, exporter = tracer_spans
    exporter.clear()
    with tracer.start_as_current_span("call", attributes=dict(attrs)):
        pass
    (span,) = exporter.get_finished_spans()
    return span


GENAI_ONLY = {
    sc.GEN_AI_OPERATION_NAME: "chat",
    sc.GEN_AI_PROVIDER_NAME: "openai",
    sc.GEN_AI_REQUEST_MODEL: "gpt-4o",
    sc.GEN_AI_INPUT_MESSAGES: json.dumps(
        [{"role": "user", "parts": [{"type": "text", "content": "What is the capital of France?"}]}]
    ),
    sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
        [{"role": "assistant", "parts": [{"type": "text", "content": "Paris."}]}]
    ),
}


def test_genai_only_span_gets_counted_tokens_and_cost(tracer_spans: Any) -> None:
    span = _span(tracer_spans, GENAI_ONLY)
    seen: list[tuple[Cost, Usage]] = []
    t = CostEnrichmentTransform(TelemetryConfig(), on_cost=lambda c, u, a: seen.append((c, u)))
    (out,) = t.transform([span])
    a = out.attributes
    n_in = count_tokens([{"role": "user", "content": "What is the capital of France?"}], "gpt-4o")
    n_out = count_tokens("Paris.", "gpt-4o").tokens
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == a[sc.LLM_TOKEN_PROMPT] == n_in.tokens
    assert a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == a[sc.LLM_TOKEN_COMPLETION] == n_out
    assert a[sc.LLM_TOKEN_TOTAL] == n_in.tokens + n_out
    assert a[sc.TOKENS_ESTIMATED] is True
    assert a[sc.USAGE_SOURCE] == "counted"
    start = datetime.fromtimestamp(span.start_time / 1e9, timezone.utc)
    expected = compute_cost("gpt-4o", "openai", Usage(n_in.tokens, n_out), start)
    assert Decimal(a[sc.COST_TOTAL]) == expected.total
    assert a[sc.LLM_COST_TOTAL] == pytest.approx(float(expected.total))
    assert a[sc.COST_PRICED] is True
    assert a[sc.COST_CURRENCY] == "USD"
    assert "openai/gpt-4o" in a[sc.COST_PRICE_SOURCE]
    assert a[sc.COST_PRICING_VERSION]
    assert seen[0][0].total == expected.total
    assert out.context == span.context  # same span, new attributes


def test_openinference_only_span_uses_provider_usage_and_adds_genai_keys(tracer_spans: Any) -> None:
    attrs = {
        sc.SPAN_KIND: sc.KIND_LLM,
        sc.LLM_MODEL_NAME: "claude-3-5-sonnet-20241022",
        sc.LLM_PROVIDER: "anthropic",
        sc.LLM_TOKEN_PROMPT: 10_000,
        sc.LLM_TOKEN_COMPLETION: 500,
        sc.LLM_TOKEN_CACHE_READ: 8_000,
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "ignored: provider usage wins",
    }
    (out,) = CostEnrichmentTransform(TelemetryConfig()).transform([_span(tracer_spans, attrs)])
    a = out.attributes
    assert a[sc.LLM_TOKEN_PROMPT] == 10_000  # never overwritten
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == 10_000
    assert a[sc.GEN_AI_USAGE_CACHE_READ] == 8_000
    assert a[sc.LLM_TOKEN_TOTAL] == 10_500
    assert a[sc.USAGE_SOURCE] == "provider"
    assert sc.TOKENS_ESTIMATED not in a
    cost = compute_cost("claude-3-5-sonnet-20241022", "anthropic", Usage(10_000, 500, 8_000))
    assert Decimal(a[sc.COST_TOTAL]) == cost.total
    assert a[sc.LLM_COST_CACHE_READ] == pytest.approx(float(cost.cache_read))


def test_semconv_openinference_only_writes_no_genai_keys(tracer_spans: Any) -> None:
    cfg = TelemetryConfig(semconv="openinference")
    (out,) = CostEnrichmentTransform(cfg).transform([_span(tracer_spans, GENAI_ONLY)])
    assert sc.LLM_TOKEN_PROMPT in out.attributes
    assert sc.GEN_AI_USAGE_INPUT_TOKENS not in out.attributes


def test_existing_values_are_never_overwritten(tracer_spans: Any) -> None:
    attrs = {**GENAI_ONLY, sc.LLM_TOKEN_TOTAL: 999, sc.LLM_COST_TOTAL: 1.25}
    (out,) = CostEnrichmentTransform().transform([_span(tracer_spans, attrs)])
    assert out.attributes[sc.LLM_TOKEN_TOTAL] == 999
    assert out.attributes[sc.LLM_COST_TOTAL] == 1.25
    assert sc.COST_TOTAL not in out.attributes


def test_unknown_model_is_marked_unpriced(tracer_spans: Any) -> None:
    attrs = {
        **GENAI_ONLY,
        sc.GEN_AI_REQUEST_MODEL: "in-house-llm-7",
        sc.GEN_AI_PROVIDER_NAME: "acme",
    }
    (out,) = CostEnrichmentTransform().transform([_span(tracer_spans, attrs)])
    assert out.attributes[sc.COST_PRICED] is False
    assert sc.LLM_COST_TOTAL not in out.attributes
    assert out.attributes[sc.LLM_TOKEN_TOTAL] > 0


def test_embedding_span_and_non_llm_span(tracer_spans: Any) -> None:
    emb = {
        sc.SPAN_KIND: sc.KIND_EMBEDDING,
        sc.EMBEDDING_MODEL_NAME: "text-embedding-3-small",
        sc.LLM_PROVIDER: "openai",
        "embedding.embeddings.0.embedding.text": "hello world",
    }
    tool = {sc.SPAN_KIND: sc.KIND_TOOL, sc.TOOL_NAME: "search"}
    spans = [_span(tracer_spans, emb), _span(tracer_spans, tool)]
    out = CostEnrichmentTransform().transform(spans)
    assert out[0].attributes[sc.LLM_TOKEN_PROMPT] == 2
    assert out[0].attributes[sc.COST_PRICED] is True
    assert out[1] is spans[1]


def test_pricing_disabled_counts_tokens_only(tracer_spans: Any) -> None:
    from mcp_llm_trace.config import PricingConfig

    cfg = TelemetryConfig(pricing=PricingConfig(enabled=False))
    (out,) = CostEnrichmentTransform(cfg).transform([_span(tracer_spans, GENAI_ONLY)])
    assert sc.LLM_TOKEN_TOTAL in out.attributes
    assert sc.COST_PRICED not in out.attributes


def test_region_qualified_bedrock_id_without_a_regional_price_is_marked(tracer_spans: Any) -> None:
    def usage_span(model: str) -> ReadableSpan:
        return _span(
            tracer_spans,
            {
                sc.GEN_AI_OPERATION_NAME: "chat",
                sc.GEN_AI_PROVIDER_NAME: "aws.bedrock",
                sc.GEN_AI_REQUEST_MODEL: model,
                sc.GEN_AI_USAGE_INPUT_TOKENS: 1_000,
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: 100,
            },
        )

    t = CostEnrichmentTransform(TelemetryConfig())
    (regional,) = t.transform([usage_span("sa-east-1/amazon.nova-pro-v1:0")])
    (plain,) = t.transform([usage_span("amazon.nova-pro-v1:0")])
    assert regional.attributes[sc.COST_PRICED] is True
    assert regional.attributes[sc.COST_REGION_UNKNOWN] is True
    assert sc.COST_REGION_UNKNOWN not in plain.attributes
    assert regional.attributes[sc.COST_TOTAL] == plain.attributes[sc.COST_TOTAL]
