"""End to end: spans from a plain OTel tracer → BatchSpanProcessor → pipeline with
ScrubTransform → OTLP/HTTP exporter → a real receiver on 127.0.0.1: they arrive scrubbed."""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from tests.support.receivers import OTLPHTTPReceiver

from mcp_llm_trace import semconv
from mcp_llm_trace._internal.errors import lenient
from mcp_llm_trace.config import PrivacyConfig, TelemetryConfig
from mcp_llm_trace.export.pipeline import PipelineExporter
from mcp_llm_trace.privacy import SCRUB_FAILED_TEXT, Scrubber, ScrubTransform

pytestmark = pytest.mark.integration

SSN = "536-22-8751"
EMAIL = "k.tanaka@example.jp"


class _BrokenScrubber(Scrubber):
    def _detect(self, text: str):  # type: ignore[no-untyped-def,override]
        raise RuntimeError("injected")


@pytest.mark.parametrize("broken", [False, True])
def test_spans_arrive_scrubbed_at_otlp_receiver(broken: bool) -> None:
    cfg = TelemetryConfig().evolve(privacy=PrivacyConfig(sanitize_pii=True))
    scrubber = _BrokenScrubber(cfg.privacy) if broken else None
    with OTLPHTTPReceiver() as rx:
        exporter = PipelineExporter(
            [ScrubTransform(cfg, scrubber=scrubber)], OTLPSpanExporter(endpoint=rx.endpoint)
        )
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=50))
        tracer = provider.get_tracer("plain.otel")  # not our helpers
        with tracer.start_as_current_span("handle") as span:
            span.set_attribute(semconv.INPUT_VALUE, f"my SSN is {SSN}, mail {EMAIL}")
            span.set_attribute(semconv.LLM_TOKEN_PROMPT, 42)
        with lenient():
            provider.shutdown()
        (got,) = rx.wait_for(1)
    attrs = got["attributes"]
    assert SSN not in str(got)
    assert EMAIL not in str(got)
    assert attrs[semconv.LLM_TOKEN_PROMPT] == 42
    if broken:
        assert attrs[semconv.INPUT_VALUE] == SCRUB_FAILED_TEXT
        assert attrs[semconv.SCRUB_FAILED] >= 1
    else:
        assert attrs[semconv.INPUT_VALUE] == "my SSN is [SSN], mail [EMAIL]"
        assert set(attrs[semconv.SCRUB_TYPES]) == {"US_SSN", "EMAIL_ADDRESS"}
