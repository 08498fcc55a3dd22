"""Exporters configured through configure() (kwargs and environment) against real receivers.

OTLP/HTTP, OTLP/gRPC, headers (accepted / rejected and counted), gzip, the jaeger preset
and Zipkin JSON — all on 127.0.0.1, nothing mocked between configure() and the socket.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from opentelemetry.trace import SpanKind
from tests.support.receivers import OTLPGrpcReceiver, OTLPHTTPReceiver, ZipkinReceiver

import mcp_llm_trace as mlt
from mcp_llm_trace.setup import Telemetry

pytestmark = pytest.mark.integration
SECRET = "sk-exporters-0123456789"
FAST: dict[str, Any] = {
    "batch_schedule_delay_s": "20ms",
    "metrics_exporter": "none",
    "sampling_strategy": "always_on",
    "service_name": "exp-test",
    "otlp_timeout_s": "3s",
}


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


def _emit_tree(tel: Telemetry) -> dict[str, str]:
    """A parent with two children; returns name → span id (hex)."""
    ids = {}
    with mlt.using_attributes(user_id="u1", tenant_id="acme"):
        with mlt.create_span(
            "parent", kind=SpanKind.SERVER, attributes={"n": 3, "flag": True}
        ) as parent:
            ids["parent"] = format(parent.span.get_span_context().span_id, "016x")
            for name in ("child-a", "child-b"):
                with mlt.create_span(name, attributes={"which": name}) as child:
                    ids[name] = format(child.span.get_span_context().span_id, "016x")
    assert tel.force_flush(10.0)
    return ids


def _check_tree(received: list[dict[str, Any]], ids: dict[str, str]) -> None:
    by_name = {s["name"]: s for s in received}
    assert set(by_name) == set(ids)
    for name, span_id in ids.items():
        assert by_name[name]["span_id"] == span_id
    assert by_name["child-a"]["parent_span_id"] == ids["parent"]
    assert by_name["child-b"]["parent_span_id"] == ids["parent"]
    assert len({s["trace_id"] for s in received}) == 1
    parent = by_name["parent"]
    assert parent["service_name"] == "exp-test"
    assert str(parent["attributes"]["n"]) == "3"
    assert parent["attributes"]["tenant.id"] == "acme"
    assert by_name["child-a"]["attributes"]["which"] == "child-a"


def test_otlp_http_protobuf() -> None:
    with OTLPHTTPReceiver() as rx:
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=rx.base_url,
            otlp_protocol="http/protobuf",
            **FAST,
        )
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)
        assert rx.spans[0]["kind"] in ("SERVER", "INTERNAL")


def test_otlp_grpc() -> None:
    with OTLPGrpcReceiver() as rx:
        tel = mlt.configure(
            force=True, traces_exporter="otlp", otlp_endpoint=rx.url, otlp_protocol="grpc", **FAST
        )
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)


def test_otlp_from_environment_only(monkeypatch: pytest.MonkeyPatch) -> None:
    with OTLPHTTPReceiver(required_headers={"api-key": SECRET}) as rx:
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", rx.base_url)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", f"api-key={SECRET}")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "exp-test")
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
        monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
        tel = mlt.configure(force=True)
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)
        assert rx.requests[0]["headers"]["content-encoding"] == "gzip"


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_api_key_header_accepted(protocol: str) -> None:
    rx_cls = OTLPGrpcReceiver if protocol == "grpc" else OTLPHTTPReceiver
    with rx_cls(required_headers={"api-key": SECRET}) as rx:
        endpoint = rx.url if protocol == "grpc" else rx.base_url  # type: ignore[attr-defined]
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=endpoint,
            otlp_protocol=protocol,
            otlp_headers=f"Api-Key={SECRET}",
            **FAST,
        )
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)
        assert rx.requests[0]["headers"]["api-key"] == SECRET


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_wrong_api_key_is_rejected_counted_and_not_raised(
    protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    rx_cls = OTLPGrpcReceiver if protocol == "grpc" else OTLPHTTPReceiver
    with rx_cls(required_headers={"api-key": SECRET}) as rx:
        endpoint = rx.url if protocol == "grpc" else rx.base_url  # type: ignore[attr-defined]
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=endpoint,
            otlp_protocol=protocol,
            otlp_headers="api-key=bad-key-zz91",
            **FAST,
        )
        before = tel.stats()
        with caplog.at_level(logging.WARNING):
            with mlt.create_span("rejected"):
                pass  # never raises into the application
            tel.force_flush(10.0)
        rx.wait_for_requests(1)
        after = tel.stats()
        assert {r["status"] for r in rx.requests} == {401}
        assert not rx.spans
        dropped = sum(after["dropped"].values()) - sum(before["dropped"].values())
        assert dropped >= 1
        assert after["exported"] == before["exported"]
        # (the 'authentication failed' warning is rate-limited per process, so it may
        # have been logged by an earlier test; the values must never be)
        assert "bad-key-zz91" not in caplog.text


def test_gzip_compression_http() -> None:
    with OTLPHTTPReceiver() as rx:
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=rx.base_url,
            otlp_compression="gzip",
            **FAST,
        )
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)
        assert {r["headers"].get("content-encoding") for r in rx.requests} == {"gzip"}


def test_gzip_compression_grpc() -> None:
    with OTLPGrpcReceiver() as rx:
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp",
            otlp_endpoint=rx.url,
            otlp_protocol="grpc",
            otlp_compression="gzip",
            **FAST,
        )
        # gRPC negotiates message compression below the metadata the servicer sees: the
        # proof is that a gzip-configured channel is accepted and decoded end to end.
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)


def test_jaeger_preset_speaks_otlp() -> None:
    with OTLPHTTPReceiver() as rx:
        tel = mlt.configure(force=True, traces_exporter="jaeger", otlp_endpoint=rx.base_url, **FAST)
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)


def test_zipkin_json() -> None:
    with ZipkinReceiver() as rx:
        tel = mlt.configure(
            force=True, traces_exporter="zipkin", zipkin_endpoint=rx.endpoint, **FAST
        )
        ids = _emit_tree(tel)
        _check_tree(rx.wait_for(3), ids)
        assert rx.requests[0]["headers"]["content-type"].startswith("application/json")


def test_fanout_to_two_destinations() -> None:
    with OTLPHTTPReceiver() as otlp_rx, ZipkinReceiver() as zipkin_rx:
        tel = mlt.configure(
            force=True,
            traces_exporter="otlp,zipkin,memory",
            otlp_endpoint=otlp_rx.base_url,
            zipkin_endpoint=zipkin_rx.endpoint,
            **FAST,
        )
        ids = _emit_tree(tel)
        _check_tree(otlp_rx.wait_for(3), ids)
        _check_tree(zipkin_rx.wait_for(3), ids)
        assert tel.memory_exporter is not None
        assert len(tel.memory_exporter.get_finished_spans()) == 3
