"""pytest plugin: the ``captured_spans`` fixture for testing your own instrumentation.

Installed automatically (entry point ``pytest11``). The fixture configures mcp-llm-trace
with an in-memory exporter, exported synchronously through the same export pipeline as
production (enrichment, scrubbing, size budget), and resets between tests.

Example::

    def test_my_tool(captured_spans):
        my_tool("q")
        span = captured_spans.one("execute_tool my_tool")
        assert span.attributes["gen_ai.tool.name"] == "my_tool"

Pass options with the ``mcp_llm_trace`` marker:
``@pytest.mark.mcp_llm_trace(capture_content=True, sanitize_pii=True)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

__all__ = ["CapturedSpans", "capture_spans", "captured_spans"]


class CapturedSpans:
    """Finished spans captured during a test, with lookup helpers."""

    def __init__(self, exporter: InMemorySpanExporter, telemetry: Any) -> None:
        self.exporter = exporter
        self.telemetry = telemetry

    @property
    def spans(self) -> list[ReadableSpan]:
        """All finished spans so far (after flushing the pipeline)."""
        self.telemetry.force_flush(60.0)
        return list(self.exporter.get_finished_spans())

    def __iter__(self) -> Iterator[ReadableSpan]:
        return iter(self.spans)

    def __len__(self) -> int:
        return len(self.spans)

    def names(self) -> list[str]:
        """Span names in end order."""
        return [s.name for s in self.spans]

    def by_name(self, name: str) -> list[ReadableSpan]:
        """Spans called ``name``."""
        return [s for s in self.spans if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        """The single span called ``name`` (AssertionError otherwise)."""
        found = self.by_name(name)
        assert len(found) == 1, f"expected one span {name!r}, found {len(found)}: {self.names()}"
        return found[0]

    def by_kind(self, openinference_kind: str) -> list[ReadableSpan]:
        """Spans with ``openinference.span.kind`` equal to ``openinference_kind``."""
        return [
            s
            for s in self.spans
            if (s.attributes or {}).get("openinference.span.kind") == openinference_kind
        ]

    def attributes_of(self, name: str) -> Mapping[str, Any]:
        """Attributes of the single span called ``name``."""
        return dict(self.one(name).attributes or {})

    def children_of(self, parent: ReadableSpan) -> list[ReadableSpan]:
        """Direct children of ``parent``."""
        pid = parent.context.span_id
        return [s for s in self.spans if s.parent is not None and s.parent.span_id == pid]

    def clear(self) -> None:
        """Forget the spans captured so far."""
        self.telemetry.force_flush(60.0)
        self.exporter.clear()


def capture_spans(**options: Any) -> CapturedSpans:
    """Configure telemetry for tests (memory exporter, immediate export) and return a
    :class:`CapturedSpans`. Call ``.telemetry.shutdown()`` when done (the fixture does)."""
    from mcp_llm_trace.setup import configure

    settings: dict[str, Any] = {
        "service_name": "test",
        "traces_exporter": "memory",
        "batch_schedule_delay_s": "10ms",
        "metrics_exporter": "memory",
        "sampling_strategy": "always_on",
    }
    settings.update(options)
    tel = configure(force=True, **settings)
    exporter = tel.memory_exporter
    assert isinstance(exporter, InMemorySpanExporter)
    return CapturedSpans(exporter, tel)


@pytest.fixture
def captured_spans(request: pytest.FixtureRequest) -> Iterator[CapturedSpans]:
    """In-memory span capture for one test; options via ``@pytest.mark.mcp_llm_trace``."""
    marker = request.node.get_closest_marker("mcp_llm_trace")
    options = dict(marker.kwargs) if marker else {}
    cap = capture_spans(**options)
    try:
        yield cap
    finally:
        cap.telemetry.shutdown()


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``mcp_llm_trace`` marker."""
    config.addinivalue_line(
        "markers", "mcp_llm_trace(**options): configure options for the captured_spans fixture"
    )
