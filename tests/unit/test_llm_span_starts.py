"""``llm_span`` start attributes are built once per (model, provider, operation, stream,
name) and runtime; every span still gets exactly what a fresh build gives."""

from __future__ import annotations

from typing import Any

import pytest

import mcp_llm_trace as mlt
from mcp_llm_trace import spans
from mcp_llm_trace._internal.runtime import HOLDER
from mcp_llm_trace.testing import CapturedSpans


def _start_items(captured: CapturedSpans, name: str) -> list[list[tuple[str, Any]]]:
    return [list((s.attributes or {}).items()) for s in captured.by_name(name)]


def test_repeated_spans_get_equal_unshared_attributes(captured_spans: CapturedSpans) -> None:
    handles = [mlt.llm_span("gpt-4o", provider="openai") for _ in range(2)]
    assert handles[0]._attrs == handles[1]._attrs
    assert handles[0]._attrs is not handles[1]._attrs
    with mlt.llm_span("gpt-4o", provider="openai", attributes={"app.k": "v"}):
        pass
    with mlt.llm_span("gpt-4o", provider="openai"):
        pass
    first, second = _start_items(captured_spans, "chat gpt-4o")
    assert first[-1] == ("app.k", "v")
    assert second == first[:-1]  # the user attribute did not leak into the cached entry
    assert len(HOLDER.current.llm_starts) == 1


def test_stream_values_equal_to_bools_are_not_shared(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("m", stream=True):
        pass
    with mlt.llm_span("m", stream=1):  # type: ignore[arg-type]
        pass
    streams = [s.attributes["gen_ai.request.stream"] for s in captured_spans.by_name("chat m")]
    assert [type(v) for v in streams] == [bool, int]


def test_unhashable_and_odd_arguments_are_built_uncached(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span(["not", "a", "str"]) as s:  # type: ignore[arg-type]
        s.set_output("still traced")
    assert captured_spans.names() == ["chat ['not', 'a', 'str']"]
    assert HOLDER.current.llm_starts == {}


def test_the_cache_is_bounded_and_per_runtime(
    captured_spans: CapturedSpans, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spans, "_LLM_STARTS_MAX", 3)
    for i in range(5):
        with mlt.llm_span(f"m{i}"):
            pass
    assert len(HOLDER.current.llm_starts) == 3
    assert captured_spans.names() == [f"chat m{i}" for i in range(5)]
    tel = mlt.configure(force=True, traces_exporter="none", metrics_exporter="none")
    try:
        assert HOLDER.current.llm_starts == {}
    finally:
        tel.shutdown()
