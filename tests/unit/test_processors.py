"""add_span_processor / SpanEnricher / add_span_enricher on real spans."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.util.types import AttributeValue

import mcp_llm_trace as mlt
from mcp_llm_trace import processors
from mcp_llm_trace.testing import CapturedSpans, capture_spans


class Recorder(SpanProcessor):
    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended: list[str] = []
        self.closed = False

    def on_start(self, span: object, parent_context: object = None) -> None:
        self.started.append(span.name)  # type: ignore[attr-defined]

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span.name)

    def shutdown(self) -> None:
        self.closed = True


class TeamEnricher(mlt.SpanEnricher):
    name = "team"

    def enrich(self, span: ReadableSpan) -> Mapping[str, AttributeValue] | None:
        if (span.attributes or {}).get("gen_ai.operation.name") != "chat":
            return None
        return {"app.team": "search", "gen_ai.request.model": "replaced", "app.note": "a@b.com"}


class Overwriter(TeamEnricher):
    overwrite = True


class Broken(mlt.SpanEnricher):
    name = "broken"

    def enrich(self, span: ReadableSpan) -> Mapping[str, AttributeValue] | None:
        raise RuntimeError("boom")


@pytest.fixture
def cap() -> Iterator[CapturedSpans]:
    c = capture_spans(capture_content=True, sanitize_pii=True)
    yield c
    c.telemetry.shutdown()


def chat() -> None:
    with mlt.llm_span(model="gpt-4o", provider="openai") as s:
        s.set_input("hi")
        s.set_output("hello")
        s.set_usage(input_tokens=3, output_tokens=2)
    with mlt.tool_span("search"):
        pass


def test_processor_added_after_configure_sees_spans_and_is_shut_down(cap: CapturedSpans) -> None:
    rec = Recorder()
    mlt.add_span_processor(rec)
    chat()
    assert rec.started == ["chat gpt-4o", "execute_tool search"]
    assert rec.ended == rec.started
    cap.telemetry.shutdown()
    assert rec.closed


def test_processor_queued_before_configure_is_attached_at_configure() -> None:
    rec = Recorder()
    mlt.add_span_processor(rec)  # no telemetry yet
    c = capture_spans()
    try:
        chat()
        assert rec.ended == ["chat gpt-4o", "execute_tool search"]
    finally:
        c.telemetry.shutdown()
    assert not processors._QUEUED_PROCESSORS


def test_add_span_processor_rejects_non_processors() -> None:
    with pytest.raises(TypeError):
        mlt.add_span_processor(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        mlt.add_span_enricher(object())  # type: ignore[arg-type]


def test_enricher_adds_missing_keys_before_scrubbing(cap: CapturedSpans) -> None:
    mlt.add_span_enricher(TeamEnricher())
    names = [t.name for t in cap.telemetry.processor.exporter.transforms]  # type: ignore[union-attr]
    assert names.index("team") < names.index("scrub")
    chat()
    a = cap.attributes_of("chat gpt-4o")
    assert a["app.team"] == "search"
    assert a["gen_ai.request.model"] == "gpt-4o"  # never overwritten by default
    assert "a@b.com" not in a["app.note"]  # what an enricher adds is scrubbed too
    assert "app.team" not in cap.attributes_of("execute_tool search")


def test_enricher_with_overwrite_replaces_values() -> None:
    c = capture_spans(transforms=[Overwriter()])
    try:
        chat()
        assert c.attributes_of("chat gpt-4o")["gen_ai.request.model"] == "replaced"
    finally:
        c.telemetry.shutdown()


def test_enricher_queued_before_configure() -> None:
    mlt.add_span_enricher(TeamEnricher())
    c = capture_spans()
    try:
        chat()
        assert c.attributes_of("chat gpt-4o")["app.team"] == "search"
    finally:
        c.telemetry.shutdown()


def test_failing_enricher_passes_spans_through(cap: CapturedSpans) -> None:
    from mcp_llm_trace._internal.errors import lenient

    mlt.add_span_enricher(Broken())
    with lenient():
        chat()
        spans = cap.spans
    assert {s.name for s in spans} == {"chat gpt-4o", "execute_tool search"}
    # Cost enrichment still ran before the broken enricher.
    assert "llm.cost.total" in cap.attributes_of("chat gpt-4o")
