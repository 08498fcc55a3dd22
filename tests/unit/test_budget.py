"""The per-span content budget counts UTF-8 bytes and never splits a character."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.export.budget import SizeBudgetTransform


def _span(attrs: dict[str, object]):  # type: ignore[no-untyped-def]
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("t").start_span("s", attributes=attrs).end()  # type: ignore[arg-type]
    return exporter.get_finished_spans()[0]


def test_non_ascii_content_is_trimmed_to_the_byte_budget() -> None:
    text = "é" * 3000  # 6000 bytes, 3000 characters
    span = _span({sc.INPUT_VALUE: text, sc.LLM_MODEL_NAME: "gpt-4o", sc.LLM_TOKEN_TOTAL: 12})
    (out,) = SizeBudgetTransform(2048).transform([span])
    attrs = out.attributes or {}
    value = str(attrs[sc.INPUT_VALUE])
    assert len(value.encode("utf-8")) <= 2048
    assert set(value.removesuffix("…[trimmed]")) == {"é"}  # only whole characters kept
    assert attrs[sc.CONTENT_TRIMMED] is True
    assert attrs[sc.LLM_MODEL_NAME] == "gpt-4o"
    assert attrs[sc.LLM_TOKEN_TOTAL] == 12


def test_span_under_budget_is_returned_unchanged() -> None:
    span = _span({sc.INPUT_VALUE: "héllo"})
    (out,) = SizeBudgetTransform(2048).transform([span])
    assert out is span


def test_message_contents_are_trimmed_before_input_value() -> None:
    msg_key = sc.input_message_key(0, "content")
    span = _span({msg_key: "x" * 3000, sc.INPUT_VALUE: "y" * 1500})
    (out,) = SizeBudgetTransform(2048).transform([span])
    attrs = out.attributes or {}
    assert attrs[sc.INPUT_VALUE] == "y" * 1500
    assert len(str(attrs[msg_key])) < 3000
