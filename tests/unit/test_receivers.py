"""The shared test receivers work with the plain OpenTelemetry SDK OTLP/Zipkin exporters."""

from __future__ import annotations

import time

import grpc
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.exporter.zipkin.json import ZipkinExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import Status, StatusCode
from tests.support.receivers import (
    OTLPGrpcReceiver,
    OTLPHTTPReceiver,
    TLSMaterial,
    ZipkinReceiver,
    make_tls_material,
)


@pytest.fixture(autouse=True)
def _no_ca_bundle_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a session's own CA file,
    # which would hide the test CA from the plain SDK exporter.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSMaterial:
    return make_tls_material(tmp_path_factory.mktemp("tls"))


def _emit(exporter: SpanExporter) -> tuple[list[str], list[SpanExportResult]]:
    """Create a parent/child pair with attributes, an event and an error status."""
    results: list[SpanExportResult] = []

    class Recording(SpanExporter):
        def export(self, spans):  # type: ignore[no-untyped-def]
            r = exporter.export(spans)
            results.append(r)
            return r

    provider = TracerProvider(resource=Resource.create({"service.name": "svc-under-test"}))
    provider.add_span_processor(SimpleSpanProcessor(Recording()))
    tracer = provider.get_tracer("receiver-test")
    attrs = {"k.str": "v", "k.int": 3}
    with (
        tracer.start_as_current_span("parent", attributes=attrs) as parent,
        tracer.start_as_current_span("child") as child,
    ):
        child.set_attribute("k.list", [1.5, 2.5])
        child.set_attribute("k.bool", True)
        child.add_event("ev", {"n": 1})
        child.set_status(Status(StatusCode.ERROR, "boom"))
    provider.shutdown()
    ids = [
        format(child.get_span_context().span_id, "016x"),
        format(parent.get_span_context().span_id, "016x"),
    ]
    return ids, results


def _check(spans: list[dict], ids: list[str]) -> None:
    by_name = {s["name"]: s for s in spans}
    assert [s["span_id"] for s in spans] == ids
    child, parent = by_name["child"], by_name["parent"]
    assert child["parent_span_id"] == parent["span_id"]
    assert child["trace_id"] == parent["trace_id"]
    assert len(child["trace_id"]) == 32
    assert parent["parent_span_id"] is None
    assert parent["service_name"] == "svc-under-test"
    assert child["status_code"] == "ERROR"


def test_http_receiver_plain_and_gzip() -> None:
    with OTLPHTTPReceiver() as rx:
        for comp in (Compression.NoCompression, Compression.Gzip):
            rx.clear()
            ids, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, compression=comp))
            spans = rx.wait_for(2)
            _check(spans, ids)
            assert results == [SpanExportResult.SUCCESS] * 2
            assert spans[1]["attributes"] == {"k.str": "v", "k.int": 3}
            assert spans[0]["attributes"] == {"k.list": [1.5, 2.5], "k.bool": True}
            assert spans[0]["events"] == [{"name": "ev", "attributes": {"n": 1}}]
        assert rx.requests[-1]["headers"]["content-encoding"] == "gzip"


def test_http_receiver_rejects_wrong_api_key() -> None:
    with OTLPHTTPReceiver(required_headers={"x-api-key": "right"}) as rx:
        _, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, headers={"x-api-key": "wrong"}))
        assert results == [SpanExportResult.FAILURE] * 2
        assert {r["status"] for r in rx.requests} == {401}
        ids, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, headers={"x-api-key": "right"}))
        assert results == [SpanExportResult.SUCCESS] * 2
        _check(rx.wait_for(2), ids)


def test_http_receiver_faults_retry_after_and_restart() -> None:
    with OTLPHTTPReceiver() as rx:
        rx.fail_next(1, status=429, retry_after=1)
        t0 = time.monotonic()
        ids, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, timeout=5))
        # The SDK exporter honours Retry-After (~1 s) and then succeeds.
        assert time.monotonic() - t0 >= 0.9
        assert results == [SpanExportResult.SUCCESS] * 2
        assert [r["status"] for r in rx.requests] == [429, 200, 200]
        _check(rx.wait_for(2), ids)

        port = rx.port
        rx.stop()
        _, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, timeout=0.5))
        assert results == [SpanExportResult.FAILURE] * 2
        rx.start()
        assert rx.port == port
        rx.set_failing(True, status=503)
        _, results = _emit(HttpSpanExporter(endpoint=rx.endpoint, timeout=0.5))
        assert results == [SpanExportResult.FAILURE] * 2
        rx.set_failing(False)
        rx.clear()
        ids, _ = _emit(HttpSpanExporter(endpoint=rx.endpoint))
        _check(rx.wait_for(2), ids)


def test_http_receiver_delay() -> None:
    with OTLPHTTPReceiver(delay_s=0.3) as rx:
        t0 = time.monotonic()
        _emit(HttpSpanExporter(endpoint=rx.endpoint))
        assert time.monotonic() - t0 >= 0.6
        assert len(rx.wait_for(2)) == 2


def test_https_and_mtls(tls: TLSMaterial) -> None:
    with OTLPHTTPReceiver(tls=tls) as rx:
        ids, _ = _emit(HttpSpanExporter(endpoint=rx.endpoint, certificate_file=str(tls.ca_cert)))
        _check(rx.wait_for(2), ids)
        # An exporter that trusts a different CA cannot connect.
        _, results = _emit(
            HttpSpanExporter(
                endpoint=rx.endpoint, certificate_file=str(tls.other_ca_cert), timeout=1
            )
        )
        assert results == [SpanExportResult.FAILURE] * 2
    with OTLPHTTPReceiver(tls=tls, require_client_cert=True) as rx:
        _, results = _emit(
            HttpSpanExporter(endpoint=rx.endpoint, certificate_file=str(tls.ca_cert), timeout=1)
        )
        assert results == [SpanExportResult.FAILURE] * 2
        assert rx.tls_errors
        assert not rx.spans
        ids, _ = _emit(
            HttpSpanExporter(
                endpoint=rx.endpoint,
                certificate_file=str(tls.ca_cert),
                client_certificate_file=str(tls.client_cert),
                client_key_file=str(tls.client_key),
            )
        )
        _check(rx.wait_for(2), ids)


def test_grpc_receiver_insecure_auth_and_faults() -> None:
    with OTLPGrpcReceiver(required_headers={"authorization": "Bearer ok"}) as rx:
        ok = {"authorization": "Bearer ok"}
        ids, results = _emit(GrpcSpanExporter(endpoint=rx.endpoint, insecure=True, headers=ok))
        assert results == [SpanExportResult.SUCCESS] * 2
        _check(rx.wait_for(2), ids)
        _, results = _emit(
            GrpcSpanExporter(endpoint=rx.endpoint, insecure=True, headers={"authorization": "x"})
        )
        assert results == [SpanExportResult.FAILURE] * 2
        assert rx.requests[-1]["status"] == 401

        rx.clear()
        rx.fail_next(1, status=503, retry_after=0.2)
        ids, results = _emit(GrpcSpanExporter(endpoint=rx.endpoint, insecure=True, headers=ok))
        assert results == [SpanExportResult.SUCCESS] * 2
        assert [r["status"] for r in rx.requests] == [503, 200, 200]
        _check(rx.wait_for(2), ids)

        rx.stop()
        _, results = _emit(
            GrpcSpanExporter(endpoint=rx.endpoint, insecure=True, headers=ok, timeout=0.5)
        )
        assert results == [SpanExportResult.FAILURE] * 2
        rx.start()
        rx.clear()
        ids, _ = _emit(GrpcSpanExporter(endpoint=rx.endpoint, insecure=True, headers=ok))
        _check(rx.wait_for(2), ids)


def test_grpc_tls_and_mtls(tls: TLSMaterial) -> None:
    ca = grpc.ssl_channel_credentials(root_certificates=tls.read("ca_cert"))
    with OTLPGrpcReceiver(tls=tls) as rx:
        ids, _ = _emit(GrpcSpanExporter(endpoint=rx.url, credentials=ca))
        _check(rx.wait_for(2), ids)
    with OTLPGrpcReceiver(tls=tls, require_client_cert=True) as rx:
        _, results = _emit(GrpcSpanExporter(endpoint=rx.url, credentials=ca, timeout=1))
        assert results == [SpanExportResult.FAILURE] * 2
        mtls = grpc.ssl_channel_credentials(
            root_certificates=tls.read("ca_cert"),
            private_key=tls.read("client_key"),
            certificate_chain=tls.read("client_cert"),
        )
        ids, _ = _emit(GrpcSpanExporter(endpoint=rx.url, credentials=mtls))
        _check(rx.wait_for(2), ids)


def test_zipkin_receiver() -> None:
    with ZipkinReceiver() as rx:
        ids, results = _emit(ZipkinExporter(endpoint=rx.endpoint))
        assert results == [SpanExportResult.SUCCESS] * 2
        spans = rx.wait_for(2)
        _check(spans, ids)
        assert spans[0]["attributes"]["k.bool"] == "true"


def test_wait_for_times_out_with_a_useful_message() -> None:
    with OTLPHTTPReceiver() as rx, pytest.raises(TimeoutError, match="0 of 1 spans"):
        rx.wait_for(1, timeout=0.1)
