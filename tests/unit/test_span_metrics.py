"""Metrics recorded by the helpers (memory metric reader)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.metrics import OTHER
from mcp_llm_trace.testing import CapturedSpans, capture_spans

pytestmark = pytest.mark.mcp_llm_trace(sanitize_pii=False)


def points(cap: CapturedSpans, name: str) -> list[tuple[dict[str, Any], Any]]:
    """(attributes, data point) of metric ``name``."""
    reader = cap.telemetry.meter_provider._mcp_llm_trace_reader
    out = []
    data = reader.get_metrics_data()
    for rm in data.resource_metrics if data else ():
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                if m.name == name:
                    out += [(dict(dp.attributes or {}), dp) for dp in m.data.data_points]
    return out


def test_llm_duration_tokens_ttfc(captured_spans: CapturedSpans) -> None:
    with mlt.using_attributes(tenant_id="acme", user_id="u1"):
        with mlt.llm_span("gpt-4o", provider="openai") as s:
            s.add_chunk("hi")
            s.set_usage(input_tokens=30, output_tokens=7)
    (dur,) = points(captured_spans, "gen_ai.client.operation.duration")
    attrs, dp = dur
    assert attrs == {
        sc.GEN_AI_OPERATION_NAME: "chat",
        sc.GEN_AI_PROVIDER_NAME: "openai",
        sc.GEN_AI_REQUEST_MODEL: "gpt-4o",
        sc.TENANT_ID: "acme",
        sc.USER_ID: "u1",
    }
    assert dp.count == 1
    tokens = {
        a[sc.GEN_AI_TOKEN_TYPE]: dp.sum
        for a, dp in points(captured_spans, "gen_ai.client.token.usage")
    }
    assert tokens == {"input": 30, "output": 7}
    (ttfc,) = points(captured_spans, "gen_ai.client.operation.time_to_first_chunk")
    assert ttfc[1].count == 1
    assert ttfc[1].sum <= dur[1].sum


def test_llm_error_dimension(captured_spans: CapturedSpans) -> None:
    with pytest.raises(TimeoutError), mlt.llm_span("gpt-4o", provider="openai"):
        raise TimeoutError
    ((attrs, _),) = points(captured_spans, "gen_ai.client.operation.duration")
    assert attrs[sc.ERROR_TYPE] == "TimeoutError"


def test_mcp_server_duration_and_tool_counters(captured_spans: CapturedSpans) -> None:
    with mlt.mcp_tool_call("github_search"):
        pass
    with pytest.raises(RuntimeError), mlt.mcp_tool_call("github_search"):
        raise RuntimeError("502")
    with mlt.tool_span("calc") as t:
        t.set_error("bad input", error_type="tool_error")
    with mlt.mcp_resource_read("file:///a", side="client"):
        pass
    server = points(captured_spans, "mcp.server.operation.duration")
    assert sum(dp.count for _, dp in server) == 2
    assert all(a[sc.MCP_METHOD_NAME] == "tools/call" for a, _ in server)
    client = points(captured_spans, "mcp.client.operation.duration")
    assert [a[sc.MCP_METHOD_NAME] for a, _ in client] == ["resources/read"]
    calls = {
        (a[sc.GEN_AI_TOOL_NAME], a.get(sc.ERROR_TYPE)): dp.value
        for a, dp in points(captured_spans, "mcp_llm_trace.tool.invocations")
    }
    assert calls == {
        ("github_search", None): 1,
        ("github_search", "RuntimeError"): 1,
        ("calc", "tool_error"): 1,
    }
    errors = {
        a[sc.GEN_AI_TOOL_NAME]: dp.value
        for a, dp in points(captured_spans, "mcp_llm_trace.tool.errors")
    }
    assert errors == {"github_search": 1, "calc": 1}


def _tool_counts(cap: CapturedSpans, metric: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for a, dp in points(cap, metric):
        out[a[sc.GEN_AI_TOOL_NAME]] = out.get(a[sc.GEN_AI_TOOL_NAME], 0) + dp.value
    return out


def test_tools_call_wrapping_execute_tool_counts_once(captured_spans: CapturedSpans) -> None:
    """A gateway's ``tools/call`` span around ``execute_tool`` is one invocation."""
    with mlt.mcp_tool_call("search"), mlt.tool_span("search"):
        pass
    with pytest.raises(ValueError), mlt.mcp_tool_call("search"), mlt.tool_span("search"):
        raise ValueError("bad query")

    # The tool returned, then the server failed to send its result: still one error.
    def send_after_tool() -> None:
        with mlt.mcp_tool_call("search"):
            with mlt.tool_span("search"):
                pass
            raise OSError("pipe closed")

    with pytest.raises(OSError):
        send_after_tool()
    # A differently named tool inside is a second invocation of its own.
    with mlt.mcp_tool_call("agent"), mlt.tool_span("calc"):
        pass
    assert _tool_counts(captured_spans, "mcp_llm_trace.tool.invocations") == {
        "search": 3,
        "agent": 1,
        "calc": 1,
    }
    assert _tool_counts(captured_spans, "mcp_llm_trace.tool.errors") == {"search": 2}


def test_cache_counter(captured_spans: CapturedSpans) -> None:
    with mlt.cache_span("c"):
        mlt.record_cache("c", hit=True)
        mlt.record_cache("c", hit=False)
        mlt.record_cache("c", hit=True)
    got = {
        a[sc.CACHE_HIT]: dp.value
        for a, dp in points(captured_spans, "mcp_llm_trace.cache.requests")
    }
    assert got == {True: 2, False: 1}


@pytest.fixture
def bounded() -> Iterator[CapturedSpans]:
    cap = capture_spans(sanitize_pii=False, metrics_max_values_per_dimension=3)
    try:
        yield cap
    finally:
        cap.telemetry.shutdown()


def test_cardinality_is_bounded(bounded: CapturedSpans) -> None:
    for i in range(10):
        with mlt.using_attributes(user_id=f"user-{i}"), mlt.llm_span("gpt-4o", provider="openai"):
            pass
    users = [a[sc.USER_ID] for a, _ in points(bounded, "gen_ai.client.operation.duration")]
    assert len(users) == 4  # 3 real values + "other"
    assert OTHER in users
    total = sum(dp.count for _, dp in points(bounded, "gen_ai.client.operation.duration"))
    assert total == 10  # nothing lost, only folded


def test_openinference_mode_keeps_metric_dimensions() -> None:
    cap = capture_spans(sanitize_pii=False, semconv="openinference")
    try:
        with mlt.llm_span("gpt-4o", provider="openai"), mlt.tool_span("calc"):
            pass
        ((attrs, _),) = points(cap, "gen_ai.client.operation.duration")
        assert attrs[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o"
        ((tool, _),) = points(cap, "mcp_llm_trace.tool.invocations")
        assert tool[sc.GEN_AI_TOOL_NAME] == "calc"
    finally:
        cap.telemetry.shutdown()
