"""build_otlp_exporter against real receivers: HTTP, HTTPS (own CA), mTLS, gRPC, auth."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from tests.support.receivers import (
    OTLPGrpcReceiver,
    OTLPHTTPReceiver,
    TLSMaterial,
    make_tls_material,
)

from mcp_llm_trace.config import load_config
from mcp_llm_trace.export.otlp import build_otlp_exporter, build_otlp_metric_exporter
from mcp_llm_trace.export.resilience import ResilientExporter

pytestmark = pytest.mark.integration
SECRET = "sk-test-0123456789abcdef"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


def emit(exporter: SpanExporter, n: int = 3) -> list[str]:
    provider = TracerProvider(resource=Resource.create({"service.name": "otlp-export-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    ids = []
    for i in range(n):
        with tracer.start_as_current_span(f"op{i}", attributes={"i": i}) as s:
            ids.append(format(s.get_span_context().span_id, "016x"))
    provider.shutdown()
    return ids


def test_plain_http_with_headers_and_gzip() -> None:
    with OTLPHTTPReceiver(required_headers={"x-api-key": SECRET}) as rx:
        cfg = load_config(
            otlp_endpoint=rx.base_url, otlp_headers={"x-api-key": SECRET}, otlp_compression="gzip"
        )
        ids = emit(build_otlp_exporter(cfg))
        spans = rx.wait_for(3)
        assert [s["span_id"] for s in spans] == ids
        assert spans[0]["service_name"] == "otlp-export-test"
        assert rx.requests[0]["headers"]["content-encoding"] == "gzip"


def test_https_with_own_ca_even_when_requests_ca_bundle_is_set(
    tls: TLSMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests normally lets REQUESTS_CA_BUNDLE override the session's CA file.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls.other_ca_cert))
    with OTLPHTTPReceiver(tls=tls) as rx:
        cfg = load_config(otlp_traces_endpoint=rx.endpoint, otlp_certificate=str(tls.ca_cert))
        ids = emit(build_otlp_exporter(cfg))
        assert [s["span_id"] for s in rx.wait_for(3)] == ids


def test_http_mtls(tls: TLSMaterial) -> None:
    with OTLPHTTPReceiver(tls=tls, require_client_cert=True) as rx:
        base = {"otlp_traces_endpoint": rx.endpoint, "otlp_certificate": str(tls.ca_cert)}
        no_client = build_otlp_exporter(load_config(**base, otlp_timeout_s="1s"))
        emit(no_client, 1)
        assert rx.tls_errors
        assert not rx.spans
        cfg = load_config(
            **base,
            otlp_client_certificate=str(tls.client_cert),
            otlp_client_key=str(tls.client_key),
        )
        ids = emit(build_otlp_exporter(cfg))
        assert [s["span_id"] for s in rx.wait_for(3)] == ids


def test_grpc_insecure_and_tls_and_mtls(tls: TLSMaterial) -> None:
    with OTLPGrpcReceiver(required_headers={"authorization": f"Bearer {SECRET}"}) as rx:
        cfg = load_config(
            otlp_protocol="grpc",
            otlp_endpoint=f"http://127.0.0.1:{rx.port}",
            otlp_headers={"Authorization": f"Bearer {SECRET}"},
        )
        ids = emit(build_otlp_exporter(cfg))
        assert [s["span_id"] for s in rx.wait_for(3)] == ids
    with OTLPGrpcReceiver(tls=tls) as rx:
        cfg = load_config(
            otlp_protocol="grpc", otlp_endpoint=rx.url, otlp_certificate=str(tls.ca_cert)
        )
        ids = emit(build_otlp_exporter(cfg))
        assert [s["span_id"] for s in rx.wait_for(3)] == ids
    with OTLPGrpcReceiver(tls=tls, require_client_cert=True) as rx:
        cfg = load_config(
            otlp_protocol="grpc",
            otlp_endpoint=f"localhost:{rx.port}",
            otlp_insecure=False,
            otlp_certificate=str(tls.ca_cert),
            otlp_client_certificate=str(tls.client_cert),
            otlp_client_key=str(tls.client_key),
        )
        ids = emit(build_otlp_exporter(cfg))
        assert [s["span_id"] for s in rx.wait_for(3)] == ids


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_wrong_api_key_is_reported_without_the_key(
    protocol: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rx_cls = OTLPGrpcReceiver if protocol == "grpc" else OTLPHTTPReceiver
    with rx_cls(required_headers={"x-api-key": "the-right-one"}) as rx:
        endpoint = (
            f"http://127.0.0.1:{rx.port}" if protocol == "grpc" else rx.base_url  # type: ignore[attr-defined]
        )
        cfg = load_config(
            otlp_protocol=protocol,
            otlp_endpoint=endpoint,
            otlp_headers={"x-api-key": SECRET},
            export_spool_dir=str(tmp_path),
        )
        with caplog.at_level(logging.DEBUG):
            emit(ResilientExporter(build_otlp_exporter(cfg), cfg, name=f"auth-{protocol}"), 2)
        assert {r["status"] for r in rx.requests} == {401}
    assert "authentication failed" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in str(cfg.to_dict())


def test_plaintext_credentials_to_remote_host_warn_without_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "mcp_llm_trace.export"):
        build_otlp_exporter(
            load_config(
                otlp_endpoint="http://collector.example:4318",
                otlp_headers={"Authorization": SECRET},
            )
        )
        build_otlp_exporter(
            load_config(otlp_endpoint="http://127.0.0.1:4318", otlp_headers={"api-key": SECRET})
        )
    warnings = [r for r in caplog.records if "plaintext" in r.getMessage()]
    assert len(warnings) == 1
    assert "collector.example" in warnings[0].getMessage()
    assert SECRET not in caplog.text


def test_endpoint_resolution() -> None:
    exp = build_otlp_exporter(load_config(otlp_endpoint="http://c:4318/"))
    assert exp._endpoint == "http://c:4318/v1/traces"  # type: ignore[attr-defined]
    exp = build_otlp_exporter(load_config(otlp_traces_endpoint="http://c:9999/custom"))
    assert exp._endpoint == "http://c:9999/custom"  # type: ignore[attr-defined]
    assert build_otlp_exporter(load_config())._endpoint == "http://localhost:4318/v1/traces"  # type: ignore[attr-defined]
    metric = build_otlp_metric_exporter(load_config(otlp_endpoint="http://c:4318"))
    assert metric._endpoint == "http://c:4318/v1/metrics"
