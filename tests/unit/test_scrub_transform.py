"""ScrubTransform on real SDK spans: content scrubbed, ids/counts kept, fail-closed."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from mcp_llm_trace import semconv
from mcp_llm_trace._internal.errors import lenient
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.config import PrivacyConfig, TelemetryConfig
from mcp_llm_trace.export.pipeline import PipelineExporter
from mcp_llm_trace.privacy import SCRUB_FAILED_TEXT, Scrubber, ScrubTransform

EMAIL = "olga.petrova@example.com"
PHONE = "+1 415-555-0132"
KEY = "sk-ant-api03-" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa" + "AA"


def cfg(**privacy: object) -> TelemetryConfig:
    return TelemetryConfig().evolve(privacy=PrivacyConfig(sanitize_pii=True, **privacy))  # type: ignore[arg-type]


def make_spans() -> list[ReadableSpan]:
    """An LLM span from our attribute names plus a span from a plain third-party tracer."""
    mem = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(mem))
    ours = provider.get_tracer("mcp_llm_trace")
    with ours.start_as_current_span("chat claude-sonnet-4") as span:
        span.set_attributes(
            {
                semconv.SPAN_KIND: semconv.KIND_LLM,
                semconv.LLM_MODEL_NAME: "claude-sonnet-4-20250514",
                semconv.INPUT_VALUE: f"Email {EMAIL} and use key {KEY}",
                semconv.input_message_key(0, "role"): "user",
                semconv.input_message_key(0, "content"): f"call me on {PHONE}",
                semconv.GEN_AI_INPUT_MESSAGES: json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": EMAIL}]}]
                ),
                semconv.LLM_TOKEN_PROMPT: 1234,
                semconv.LLM_COST_TOTAL: 0.0123,
                semconv.GEN_AI_RESPONSE_ID: "msg_0123456789",
                semconv.TOOL_CALL_FUNCTION_ARGUMENTS: json.dumps(
                    {"to": EMAIL, "password": "pw-9!x"}
                ),
            }
        )
        try:
            raise ValueError(f"no account for {EMAIL}")
        except ValueError as exc:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"failed for {EMAIL}"))
    third = provider.get_tracer("some.thirdparty.instrumentation")
    with third.start_as_current_span(f"lookup {EMAIL}") as span:
        span.set_attribute("http.request.header.authorization", ("Bearer abcdef123456",))
        span.set_attribute("db.query.text", f"SELECT * FROM users WHERE email = '{EMAIL}'")
        span.set_attribute("http.response.status_code", 200)
    return list(mem.get_finished_spans())


def all_text(spans: Sequence[ReadableSpan]) -> str:
    parts = []
    for s in spans:
        parts.append(s.name)
        parts.append(repr(dict(s.attributes or {})))
        parts.append(s.status.description or "")
        for ev in s.events:
            parts.append(ev.name + repr(dict(ev.attributes or {})))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def transform() -> ScrubTransform:
    return ScrubTransform(cfg())


def test_every_content_place_is_scrubbed_on_all_spans(transform: ScrubTransform) -> None:
    spans = make_spans()
    assert EMAIL in all_text(spans)  # the fixture really carries PII
    out = transform.transform(spans)
    text = all_text(out)
    for raw in (EMAIL, "olga.petrova", "415-555-0132", KEY, "pw-9!x", "abcdef123456"):
        assert raw not in text, raw
    llm, third = out
    assert llm.attributes[semconv.input_message_key(0, "content")] == "call me on [PHONE]"
    assert llm.status.description == "failed for [EMAIL]"
    exc_event = next(e for e in llm.events if e.name == "exception")
    assert exc_event.attributes[semconv.EXCEPTION_MESSAGE] == "no account for [EMAIL]"
    assert third.name == "lookup [EMAIL]"
    assert third.attributes["http.request.header.authorization"] == ("[SECRET]",)


def test_ids_models_counts_and_cost_untouched(transform: ScrubTransform) -> None:
    spans = make_spans()
    llm = transform.transform(spans)[0]
    for key in (
        semconv.LLM_MODEL_NAME,
        semconv.LLM_TOKEN_PROMPT,
        semconv.LLM_COST_TOTAL,
        semconv.GEN_AI_RESPONSE_ID,
        semconv.SPAN_KIND,
        semconv.input_message_key(0, "role"),
    ):
        assert llm.attributes[key] == spans[0].attributes[key]
    assert llm.context == spans[0].context
    assert llm.start_time == spans[0].start_time


def test_audit_attributes_and_counters(transform: ScrubTransform) -> None:
    before = STATS.snapshot()["redactions"].get("EMAIL_ADDRESS", 0)
    llm = transform.transform(make_spans())[0]
    types = llm.attributes[semconv.SCRUB_TYPES]
    assert {"EMAIL_ADDRESS", "PHONE_NUMBER", "ANTHROPIC_API_KEY", "PASSWORD"} <= set(types)
    assert llm.attributes[semconv.SCRUB_REDACTIONS] >= 7
    assert EMAIL not in repr(types)
    assert STATS.snapshot()["redactions"]["EMAIL_ADDRESS"] >= before + 5


def test_disabled_scrubbing_passes_spans_through() -> None:
    spans = make_spans()
    t = ScrubTransform(TelemetryConfig().evolve(privacy=PrivacyConfig(sanitize_pii=False)))
    assert list(t.transform(spans)) == spans


def test_time_budget_exhausted_fails_closed() -> None:
    t = ScrubTransform(cfg(time_budget_ms=0.0))
    before = STATS.get("scrub_failed_values")
    llm = t.transform(make_spans())[0]
    assert llm.attributes[semconv.INPUT_VALUE] == SCRUB_FAILED_TEXT
    assert llm.attributes[semconv.SCRUB_FAILED] >= 1
    assert llm.attributes[semconv.LLM_TOKEN_PROMPT] == 1234
    assert STATS.get("scrub_failed_values") > before


class _BrokenScrubber(Scrubber):
    """Fault injection: detection raises (a bug in a recognizer)."""

    def _detect(self, text: str):  # type: ignore[no-untyped-def,override]
        raise RuntimeError("recognizer bug")


class _VeryBrokenScrubber(Scrubber):
    """Fault injection outside per-value handling: the whole transform raises."""

    def is_sensitive_key(self, key: str) -> bool:
        raise RuntimeError("key rules bug")


def _export_through_pipeline(scrubber: Scrubber) -> list[ReadableSpan]:
    mem = InMemorySpanExporter()
    pipeline = PipelineExporter([ScrubTransform(cfg(), scrubber=scrubber)], mem)
    with lenient():
        pipeline.export(make_spans())
    return list(mem.get_finished_spans())


@pytest.mark.parametrize("broken", [_BrokenScrubber, _VeryBrokenScrubber])
def test_scrubber_bug_never_leaks_and_never_loses_spans(broken: type[Scrubber]) -> None:
    out = _export_through_pipeline(broken(PrivacyConfig(presidio=False)))
    assert len(out) == 2
    text = all_text(out)
    assert EMAIL not in text
    assert KEY not in text
    assert "olga" not in text
    assert out[0].attributes[semconv.INPUT_VALUE] == SCRUB_FAILED_TEXT
    assert out[0].attributes[semconv.LLM_TOKEN_PROMPT] == 1234
    assert out[0].attributes[semconv.SCRUB_FAILED] >= 1
