"""Metrics: bounded cardinality, the standard instruments after real spans, system collector."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import mcp_llm_trace as mlt
from mcp_llm_trace.metrics import OTHER, MetricsCollector
from mcp_llm_trace.setup import Telemetry


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    """metric name → its data points (all scopes)."""
    out: dict[str, list[Any]] = {}
    data = reader.get_metrics_data()
    if data is None:
        return out
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


def _reader(tel: Telemetry) -> InMemoryMetricReader:
    reader = tel.meter_provider._mcp_llm_trace_reader
    assert isinstance(reader, InMemoryMetricReader)
    return reader


# ------------------------------------------------------------------ cardinality


def test_cardinality_is_bounded_and_overflow_becomes_other() -> None:
    reader = InMemoryMetricReader()
    mc = MetricsCollector(
        MeterProvider(metric_readers=[reader]).get_meter("t"),
        dimensions=["tenant.id", "gen_ai.request.model"],
        max_values_per_dimension=3,
    )
    orders = mc.counter("shop.orders", unit="{order}")
    for i in range(10):
        mc.add(
            orders,
            1,
            {"tenant.id": f"t{i}", "user.email": f"u{i}@x.io", "gen_ai.request.model": "m"},
        )
    points = _points(reader)["shop.orders"]
    by_tenant = {p.attributes["tenant.id"]: p.value for p in points}
    assert by_tenant == {"t0": 1, "t1": 1, "t2": 1, OTHER: 7}
    assert all("user.email" not in p.attributes for p in points)  # not allow-listed
    assert all(p.attributes["gen_ai.request.model"] == "m" for p in points)
    # a value seen before the cap was reached keeps its own series
    mc.add(orders, 5, {"tenant.id": "t1"})
    assert {
        p.attributes.get("tenant.id"): p.value
        for p in _points(reader)["shop.orders"]
        if len(p.attributes) == 1
    } == {"t1": 5}


def test_bound_accepts_every_attribute_value_type() -> None:
    mc = MetricsCollector(dimensions=None, max_values_per_dimension=2)
    for i in range(4):
        bounded = mc.bound({"tags": ["a", str(i)], "n": i, "ok": True, "ratio": 0.5})
        assert set(bounded) == {"tags", "n", "ok", "ratio"}
    assert mc.bound({"n": 99})["n"] == OTHER
    assert mc.bound(None) == {}


def test_histogram_gauge_and_updown_through_the_collector() -> None:
    reader = InMemoryMetricReader()
    mc = MetricsCollector(MeterProvider(metric_readers=[reader]).get_meter("t"))
    hist = mc.histogram("work.duration", boundaries=[0.1, 1.0])
    mc.record(hist, 0.5, {"error.type": "Timeout"})
    inflight = mc.up_down_counter("work.inflight")
    mc.add(inflight, 2)
    mc.add(inflight, -1)
    mc.observable_gauge("work.queue", lambda: [(7.0, {"tenant.id": "a"})])
    points = _points(reader)
    assert points["work.duration"][0].count == 1
    assert list(points["work.duration"][0].explicit_bounds) == [0.1, 1.0]
    assert points["work.inflight"][0].value == 1
    assert points["work.queue"][0].value == 7.0


def test_collector_without_meter_is_a_cheap_noop() -> None:
    mc = MetricsCollector()
    mc.install_standard()
    mc.add(mc.instrument("requests"), 1, {"tenant.id": "x"})
    assert mc.instrument("token_usage") is not None


# ------------------------------------------------------------------ standard instruments


def test_standard_instruments_after_real_spans() -> None:
    tel = mlt.configure(
        force=True,
        traces_exporter="memory",
        metrics_exporter="memory",
        batch_schedule_delay_s="10ms",
        metrics_collectors=["database"],
    )
    with mlt.using_attributes(tenant_id="acme", user_id="u1"):
        with mlt.llm_span(model="gpt-4o", provider="openai") as llm:
            llm.set_usage(input_tokens=10, output_tokens=4)
        with mlt.tool_span("search"):
            pass
        with pytest.raises(RuntimeError), mlt.tool_span("broken"):
            raise RuntimeError("boom")
        with mlt.mcp_tool_call("search", side="server"):
            pass
        with mlt.mcp_tool_call("search", side="client"):
            pass
        with mlt.db_span("SELECT", db_system="postgresql"):
            pass
    tel.force_flush(5.0)
    points = _points(_reader(tel))
    for name in (
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.duration",
        "mcp.server.operation.duration",
        "mcp.client.operation.duration",
        "mcp_llm_trace.tool.invocations",
        "mcp_llm_trace.tool.errors",
        "mcp_llm_trace.requests",
        "mcp_llm_trace.spans.exported",
        "mcp_llm_trace.export.queue_depth",
        "db.client.operation.duration",
    ):
        assert name in points, (name, sorted(points))
    tokens = {p.attributes["gen_ai.token.type"]: p.sum for p in points["gen_ai.client.token.usage"]}
    assert tokens == {"input": 10, "output": 4}
    usage_attrs = points["gen_ai.client.token.usage"][0].attributes
    assert usage_attrs["gen_ai.request.model"] == "gpt-4o"
    assert usage_attrs["tenant.id"] == "acme"
    errors = points["mcp_llm_trace.tool.errors"]
    assert [p.attributes["error.type"] for p in errors] == ["RuntimeError"]
    exported = sum(p.value for p in points["mcp_llm_trace.spans.exported"])
    assert exported == tel.stats()["exported"] >= 6  # the same process-wide counter


def test_metrics_exporter_auto_follows_traces() -> None:
    tel = mlt.configure(force=True, traces_exporter="memory")
    assert not hasattr(tel.meter_provider, "_mcp_llm_trace_reader")  # auto + memory = none
    tel = mlt.configure(
        force=True, traces_exporter="memory", metrics_enabled=False, metrics_exporter="memory"
    )
    assert not hasattr(tel.meter_provider, "_mcp_llm_trace_reader")


def test_system_collector_reports_process_metrics() -> None:
    tel = mlt.configure(
        force=True,
        traces_exporter="none",
        metrics_exporter="memory",
        metrics_collectors=[{"name": "system", "interval": "1s"}],
    )
    points = _points(_reader(tel))
    cpu = {p.attributes["cpu.mode"]: p.value for p in points["process.cpu.time"]}
    assert set(cpu) == {"user", "system"} and cpu["user"] > 0
    assert points["process.memory.usage"][0].value > 1_000_000  # bytes: > 1 MB resident
    assert points["process.uptime"][0].value >= 0


def test_no_system_metrics_unless_asked() -> None:
    tel = mlt.configure(force=True, traces_exporter="none", metrics_exporter="memory")
    assert "process.cpu.time" not in _points(_reader(tel))
