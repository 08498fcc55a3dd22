"""copy_span/with_attributes: the field-by-field copy equals the public constructor's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Status, StatusCode

from mcp_llm_trace._internal import spancopy
from mcp_llm_trace._internal.spancopy import (
    attributes_view,
    copy_span,
    plain_attributes,
    with_attributes,
)


@pytest.fixture
def finished() -> Iterator[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test", "1.0")
    with tracer.start_as_current_span("linked") as other:
        pass
    link = Link(other.get_span_context(), {"why": "test"})
    with tracer.start_as_current_span("call", attributes={"a": 1, "b": "x"}, links=[link]) as s:
        s.add_event("hello", {"n": 2})
        s.set_status(Status(StatusCode.ERROR, "boom"))
    yield exporter.get_finished_spans()[-1]
    provider.shutdown()


def _by_constructor(span: ReadableSpan, attributes: dict[str, Any]) -> ReadableSpan:
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=tuple(span.events),
        links=tuple(span.links),
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def test_the_installed_sdk_layout_is_the_one_the_fast_copy_writes() -> None:
    assert spancopy._LAYOUT_KNOWN  # else every copy silently takes the slow constructor


def test_with_attributes_equals_the_constructor_copy(finished: ReadableSpan) -> None:
    out = with_attributes(finished, {"c": 3.5, "a": 9})
    want = _by_constructor(finished, {"a": 9, "b": "x", "c": 3.5})
    assert type(out) is ReadableSpan
    assert vars(out) == vars(want)
    assert list(out.attributes) == ["a", "b", "c"]  # order kept, extra wins in place
    assert out.events[0].name == "hello" and out.links[0].attributes == {"why": "test"}
    assert dict(finished.attributes) == {"a": 1, "b": "x"}  # the original is untouched


def test_copy_span_replaces_only_the_given_fields(finished: ReadableSpan) -> None:
    ok = Status(StatusCode.OK)
    out = copy_span(finished, name="renamed", events=(), status=ok)
    want = _by_constructor(finished, plain_attributes(finished))
    want._name, want._events, want._status = "renamed", (), ok  # type: ignore[attr-defined]
    assert vars(out) == vars(want)
    again = copy_span(out)  # a copy of a copy (plain-dict attributes, tuple events)
    assert vars(again) == vars(out)
    assert again.attributes is not out.attributes


def test_a_class_with_its_own_getter_takes_the_constructor(finished: ReadableSpan) -> None:
    class Renamed(ReadableSpan):
        @property
        def name(self) -> str:
            return "from-getter"

    custom = Renamed(
        name="stored",
        context=finished.context,
        attributes={"a": 1},
        start_time=finished.start_time,
        end_time=finished.end_time,
    )
    out = with_attributes(custom, {"b": 2})
    assert out.name == "from-getter"  # read through the getter, not the stored field
    assert dict(out.attributes) == {"a": 1, "b": 2}


def test_attributes_view_does_not_copy_and_with_attributes_skips_empty(
    finished: ReadableSpan,
) -> None:
    view = attributes_view(finished)
    assert view is attributes_view(finished)
    assert dict(view) == dict(finished.attributes)
    assert with_attributes(finished, {}) is finished
