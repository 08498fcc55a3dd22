"""The Prometheus scrape endpoint (``metrics.exporter: prometheus``) over a real socket."""

from __future__ import annotations

import urllib.request

import pytest

import mcp_llm_trace as mlt
from mcp_llm_trace._internal.providers import prometheus_port
from mcp_llm_trace._settings import metric_exporters


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        body: bytes = resp.read()
    return body.decode()


def test_prometheus_endpoint_serves_standard_and_self_metrics_beside_memory() -> None:
    tel = mlt.configure(
        service_name="prom-test",
        traces_exporter="memory",
        metrics_exporter="memory,prometheus",
        metrics_prometheus_port=0,
    )
    try:
        port = prometheus_port(tel.meter_provider)
        assert port is not None and port > 0
        mc = tel.metrics
        mc.add(mc.instrument("requests"), 3, {"tenant.id": "acme"})
        mc.record(mc.instrument("duration"), 0.25, {"gen_ai.request.model": "gpt-4o"})
        text = _scrape(port)
        # OTel -> Prometheus naming: dots become underscores, unit and _total suffixes.
        line = next(x for x in text.splitlines() if x.startswith("mcp_llm_trace_requests_total{"))
        assert 'tenant_id="acme"' in line and line.endswith(" 3.0")
        assert "gen_ai_client_operation_duration_seconds_bucket" in text
        assert "mcp_llm_trace_spans_exported_total" in text
        # The in-memory reader beside it still gets the data (two readers, one provider).
        data = tel.meter_provider._mcp_llm_trace_reader.get_metrics_data()
        names = {
            m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
        }
        assert "mcp_llm_trace.requests" in names
    finally:
        tel.shutdown()
    # The endpoint is closed at shutdown.
    try:
        _scrape(port)
    except OSError:
        pass
    else:
        raise AssertionError("scrape endpoint still serving after shutdown")


@pytest.mark.parametrize("bad", ["prometheus,graphite", "none,otlp", ""])
def test_bad_metric_exporter_name_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="expected one of|cannot be combined"):
        metric_exporters(bad)


def test_metric_exporter_list_is_normalized() -> None:
    assert metric_exporters("OTLP, prometheus,otlp") == "otlp,prometheus"
    assert metric_exporters(["otlp", "prometheus"]) == "otlp,prometheus"


def test_force_flush_then_scrape_serves_each_series_once() -> None:
    """The OTel reader used to keep a second copy of every series after force_flush."""
    tel = mlt.configure(
        service_name="prom-flush",
        traces_exporter="memory",
        metrics_exporter="prometheus",
        metrics_prometheus_port=0,
    )
    try:
        port = prometheus_port(tel.meter_provider)
        assert port is not None
        with mlt.using_attributes(tenant_id="acme"):
            with mlt.llm_span("gpt-4o", provider="openai") as span:
                span.set_usage(input_tokens=10, output_tokens=2)
            mlt.record_retry(1, backoff_ms=20, error=TimeoutError("slow"))
        tel.force_flush()
        tel.meter_provider.force_flush()
        samples = [
            line.rsplit(" ", 1)[0]
            for line in _scrape(port).splitlines()
            if line and not line.startswith("#")
        ]
        dupes = {s for s in samples if samples.count(s) > 1}
        assert not dupes, sorted(dupes)[:5]
        retries = [s for s in samples if s.startswith("mcp_llm_trace_retries_total{")]
        assert len(retries) == 1 and 'error_type="TimeoutError"' in retries[0]
    finally:
        tel.shutdown()
