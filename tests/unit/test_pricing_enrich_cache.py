"""CostEnrichmentTransform's fast path (a cache keyed on the raw token values, model,
provider and price point) gives exactly what the full path gives, span after span."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.pricing import Usage, compute_cost, register_price, reset_price_table
from mcp_llm_trace.pricing.enrich import CostEnrichmentTransform, _identify


def _ns(when: datetime) -> int:
    return int(when.timestamp()) * 1_000_000_000


# DeepSeek V4: peak 01:00-04:00 UTC on weekdays (twice the off-peak price).
TUESDAY_PEAK = _ns(datetime(2026, 12, 1, 2, tzinfo=timezone.utc))
TUESDAY_OFF_PEAK = _ns(datetime(2026, 12, 1, 12, tzinfo=timezone.utc))
# Mistral Large 4: dated price changes on 2026-10-20 and 2026-10-29.
BEFORE_CHANGE = _ns(datetime(2026, 10, 1, 12, tzinfo=timezone.utc))
AFTER_CHANGE = _ns(datetime(2026, 11, 1, 12, tzinfo=timezone.utc))


def _span(
    tracer_spans: tuple[Any, InMemorySpanExporter], attrs: Mapping[str, Any], start_ns: int
) -> ReadableSpan:
    tracer, exporter = tracer_spans
    exporter.clear()
    span = tracer.start_span("call", attributes=dict(attrs), start_time=start_ns)
    span.end(end_time=start_ns + 1_000_000)
    (done,) = exporter.get_finished_spans()
    return done


def _usage_attrs(model: str, provider: str, n_in: int, n_out: int) -> dict[str, Any]:
    return {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROVIDER_NAME: provider,
        sc.GEN_AI_REQUEST_MODEL: model,
        sc.GEN_AI_USAGE_INPUT_TOKENS: n_in,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: n_out,
    }


def _at(start_ns: int) -> datetime:
    return datetime.fromtimestamp(start_ns / 1e9, timezone.utc)


def test_same_tokens_across_an_off_peak_boundary_cost_what_each_start_time_says(
    tracer_spans: Any,
) -> None:
    attrs = _usage_attrs("deepseek-v4-flash", "deepseek", 1_000_000, 1_000_000)
    t = CostEnrichmentTransform(TelemetryConfig())
    starts = [TUESDAY_PEAK, TUESDAY_OFF_PEAK, TUESDAY_PEAK, TUESDAY_OFF_PEAK]
    out = t.transform([_span(tracer_spans, attrs, s) for s in starts])
    totals = [Decimal(str(s.attributes[sc.COST_TOTAL])) for s in out]
    usage = Usage(1_000_000, 1_000_000)
    expected = [compute_cost("deepseek-v4-flash", "deepseek", usage, _at(s)).total for s in starts]
    assert totals == expected
    assert totals[0] == 2 * totals[1]  # the cached peak price did not leak into off-peak


def test_a_dated_price_change_is_respected_by_the_cache(tracer_spans: Any) -> None:
    attrs = _usage_attrs("mistral-large-4", "mistral", 10_000, 1_000)
    t = CostEnrichmentTransform(TelemetryConfig())
    starts = [BEFORE_CHANGE, AFTER_CHANGE, BEFORE_CHANGE]
    out = t.transform([_span(tracer_spans, attrs, s) for s in starts])
    usage = Usage(10_000, 1_000)
    expected = [compute_cost("mistral-large-4", "mistral", usage, _at(s)).total for s in starts]
    assert [Decimal(str(s.attributes[sc.COST_TOTAL])) for s in out] == expected
    assert expected[0] != expected[1]


def test_a_price_registered_later_clears_the_cache(tracer_spans: Any) -> None:
    try:
        register_price("acme-cache-llm", provider="acme", input="1", output="1")
        attrs = _usage_attrs("acme-cache-llm", "acme", 1_000_000, 0)
        t = CostEnrichmentTransform(TelemetryConfig())
        (first,) = t.transform([_span(tracer_spans, attrs, AFTER_CHANGE)])
        register_price("acme-cache-llm", provider="acme", input="3", output="1")
        (second,) = t.transform([_span(tracer_spans, attrs, AFTER_CHANGE)])
        assert first.attributes[sc.COST_TOTAL] == "1"
        assert second.attributes[sc.COST_TOTAL] == "3"
    finally:
        reset_price_table()


def test_tiers_and_cache_tokens_are_part_of_the_key(tracer_spans: Any) -> None:
    # Claude Sonnet 4.5 doubles its input price above 200k prompt tokens.
    model, provider = "claude-sonnet-4-5", "anthropic"
    small = _usage_attrs(model, provider, 200_000, 10)
    large = _usage_attrs(model, provider, 200_001, 10)
    cached = {**small, sc.GEN_AI_USAGE_CACHE_READ: 150_000}
    t = CostEnrichmentTransform(TelemetryConfig())
    out = t.transform([_span(tracer_spans, a, AFTER_CHANGE) for a in (small, large, cached)])
    usages = [Usage(200_000, 10), Usage(200_001, 10), Usage(200_000, 10, 150_000)]
    expected = [compute_cost(model, provider, u, _at(AFTER_CHANGE)).total for u in usages]
    assert [Decimal(str(s.attributes[sc.COST_TOTAL])) for s in out] == expected
    assert expected[1] > 2 * expected[0] * Decimal("0.99")  # the tier price applied
    assert expected[2] < expected[0]  # cache reads are cheaper


def test_a_bool_token_count_is_not_taken_for_the_int_it_equals(tracer_spans: Any) -> None:
    # True == 1 and hash(True) == hash(1): the key holds the types too.
    one = {**_usage_attrs("gpt-4o", "openai", 1_000, 10), sc.GEN_AI_USAGE_CACHE_READ: 1}
    flag = {**one, sc.GEN_AI_USAGE_CACHE_READ: True}
    t = CostEnrichmentTransform(TelemetryConfig())
    with_one, with_flag = t.transform([_span(tracer_spans, a, AFTER_CHANGE) for a in (one, flag)])
    assert sc.LLM_COST_CACHE_READ in with_one.attributes
    assert sc.LLM_COST_CACHE_READ not in with_flag.attributes  # a bool is not a count
    assert with_flag.attributes[sc.LLM_TOKEN_PROMPT] == 1_000


def test_region_unknown_is_kept_on_cached_spans(tracer_spans: Any) -> None:
    attrs = _usage_attrs("sa-east-1/amazon.nova-pro-v1:0", "aws.bedrock", 1_000, 100)
    t = CostEnrichmentTransform(TelemetryConfig())
    out = t.transform([_span(tracer_spans, attrs, AFTER_CHANGE) for _ in range(3)])
    assert all(s.attributes[sc.COST_REGION_UNKNOWN] is True for s in out)
    assert len({s.attributes[sc.COST_TOTAL] for s in out}) == 1


def test_a_cost_attribute_already_on_the_span_is_never_overwritten(tracer_spans: Any) -> None:
    plain = _usage_attrs("gpt-4o", "openai", 1_000, 10)
    with_prompt_cost = {**plain, sc.LLM_COST_PROMPT: 99.0}  # same key otherwise
    t = CostEnrichmentTransform(TelemetryConfig())
    a, b = t.transform([_span(tracer_spans, x, AFTER_CHANGE) for x in (plain, with_prompt_cost)])
    assert a.attributes[sc.LLM_COST_PROMPT] != 99.0
    assert b.attributes[sc.LLM_COST_PROMPT] == 99.0
    assert b.attributes[sc.COST_TOTAL] == a.attributes[sc.COST_TOTAL]


def test_on_cost_is_called_for_every_span_including_cache_hits(tracer_spans: Any) -> None:
    seen: list[tuple[Decimal, Usage, Mapping[str, Any]]] = []
    t = CostEnrichmentTransform(
        TelemetryConfig(), on_cost=lambda c, u, a: seen.append((c.total, u, a))
    )
    attrs = _usage_attrs("gpt-4o", "openai", 1_000, 10)
    t.transform([_span(tracer_spans, attrs, AFTER_CHANGE) for _ in range(3)])
    expected = compute_cost("gpt-4o", "openai", Usage(1_000, 10), _at(AFTER_CHANGE)).total
    assert [s[0] for s in seen] == [expected] * 3
    assert all(s[1] == Usage(1_000, 10) for s in seen)
    assert all(s[2][sc.LLM_TOKEN_TOTAL] == 1_010 for s in seen)


def test_enrich_returns_a_dict_the_caller_may_modify() -> None:
    t = CostEnrichmentTransform(TelemetryConfig())
    attrs = _usage_attrs("gpt-4o", "openai", 1_000, 10)
    first = t.enrich(attrs, AFTER_CHANGE)
    first.clear()
    assert t.enrich(attrs, AFTER_CHANGE)[sc.LLM_TOKEN_TOTAL] == 1_010


# ------------------------------------------------------------------ fast path == full path

_MODELS = [
    ("gpt-4o", "openai"),
    ("claude-sonnet-4-5", "anthropic"),
    ("deepseek-v4-flash", "deepseek"),
    ("mistral-large-4", "mistral"),
    ("sa-east-1/amazon.nova-pro-v1:0", "aws.bedrock"),
    ("in-house-llm-7", "acme"),
    ("text-embedding-3-small", "openai"),
]
_STARTS = [None, 0, TUESDAY_PEAK, TUESDAY_OFF_PEAK, BEFORE_CHANGE, AFTER_CHANGE]
_COUNTS = [1_000, 250_000, 1, 0, 96.0, True, False, None, "96", -5, [1, 2]]


def _random_attrs(rng: random.Random) -> dict[str, Any]:
    model, provider = rng.choice(_MODELS)
    attrs: dict[str, Any] = {}
    kind = rng.choice(["llm", "embedding", "chat", "tool"])
    if kind == "llm":
        attrs[sc.SPAN_KIND] = sc.KIND_LLM
    elif kind == "embedding":
        attrs[sc.SPAN_KIND] = sc.KIND_EMBEDDING
    elif kind == "chat":
        attrs[sc.GEN_AI_OPERATION_NAME] = "chat"
    else:
        attrs[sc.SPAN_KIND] = sc.KIND_TOOL
    attrs[rng.choice([sc.LLM_MODEL_NAME, sc.GEN_AI_REQUEST_MODEL, sc.EMBEDDING_MODEL_NAME])] = model
    attrs[rng.choice([sc.LLM_PROVIDER, sc.GEN_AI_PROVIDER_NAME, sc.LLM_SYSTEM])] = provider
    keys = [
        sc.LLM_TOKEN_PROMPT,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.LLM_TOKEN_COMPLETION,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        sc.LLM_TOKEN_CACHE_READ,
        sc.GEN_AI_USAGE_CACHE_READ,
        sc.LLM_TOKEN_CACHE_WRITE,
        sc.GEN_AI_USAGE_CACHE_WRITE,
        sc.LLM_TOKEN_REASONING,
        sc.GEN_AI_USAGE_REASONING,
        sc.LLM_TOKEN_TOTAL,
    ]
    for key in keys:
        if rng.random() < 0.5:
            attrs[key] = rng.choice(_COUNTS)
    if rng.random() < 0.4:
        attrs[sc.USAGE_SOURCE] = "provider"
    if rng.random() < 0.1:
        attrs[rng.choice([sc.LLM_COST_TOTAL, sc.COST_TOTAL, sc.LLM_COST_PROMPT])] = 1.5
    if rng.random() < 0.2:
        attrs[sc.INPUT_VALUE] = "What is the capital of France?"
        attrs[sc.OUTPUT_VALUE] = "Paris."
    return attrs


def _variants(attrs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``attrs`` and near twins that differ only where the cache key must tell them apart:
    usage source or a cost attribute already set, a count of an equal value but another
    type (``True``/``1``, ``96.0``/``96``)."""
    yield attrs
    if sc.USAGE_SOURCE in attrs:
        yield {k: v for k, v in attrs.items() if k != sc.USAGE_SOURCE}
    else:
        yield {**attrs, sc.USAGE_SOURCE: "counted"}
    yield {**attrs, sc.LLM_COST_PROMPT: 2.5}
    yield {**attrs, sc.LLM_COST_TOTAL: 2.5}
    for key, value in attrs.items():
        if type(value) is int and key.startswith(("llm.token_count", "gen_ai.usage")):
            yield {**attrs, key: float(value)}
            if value in (0, 1):
                yield {**attrs, key: bool(value)}


@pytest.mark.parametrize("semconv", ["both", "openinference", "genai"])
def test_fast_path_matches_the_full_path_on_random_spans(semconv: str) -> None:
    rng = random.Random(14 + len(semconv))
    cfg = TelemetryConfig(semconv=semconv)  # type: ignore[arg-type]
    calls: list[tuple[Any, ...]] = []
    fast = CostEnrichmentTransform(cfg, on_cost=lambda c, u, a: calls.append((c, u, dict(a))))
    ref_calls: list[tuple[Any, ...]] = []
    ref = CostEnrichmentTransform(cfg, on_cost=lambda c, u, a: ref_calls.append((c, u, dict(a))))
    cases = [
        (twin, start)
        for _ in range(100)
        for twin in _variants(_random_attrs(rng))
        for start in rng.sample(_STARTS, 2)  # the same span at two times
    ]
    compared = 0
    for attrs, start in cases * 2:  # the second round answers from the cache
        got = fast.enrich(attrs, start)
        found = _identify(attrs)  # the full path: not an LLM span → nothing added
        want = {} if found is None else ref._enrich_full(attrs, start, found)
        assert list(got.items()) == list(want.items()), (attrs, start)
        compared += bool(want)
    assert calls == ref_calls
    assert compared > 100 and len(calls) > 50  # the cases did reach the priced path
