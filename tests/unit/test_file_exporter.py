"""The ``file`` exporter: OTLP/JSON lines in the OpenTelemetry Collector's format."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

import mcp_llm_trace as mlt
from mcp_llm_trace.export.file import FileSpanExporter, iter_spans


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


def _to_proto(line: str) -> ExportTraceServiceRequest:
    """Parse one OTLP/JSON line with protobuf's own JSON parser.

    OTLP/JSON writes ids as hex where protobuf's JSON mapping expects base64; convert
    them back (the one documented difference) and let json_format do the rest."""
    data = json.loads(line)

    def fix(obj: dict[str, Any]) -> None:
        for key in ("traceId", "spanId", "parentSpanId"):
            if obj.get(key):
                obj[key] = base64.b64encode(bytes.fromhex(obj[key])).decode()

    for rs in data["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                fix(span)
                for link in span.get("links", []):
                    fix(link)
    return json_format.Parse(json.dumps(data), ExportTraceServiceRequest())


def _emit(exporter: FileSpanExporter, n: int, size: int = 0) -> list[str]:
    provider = TracerProvider(resource=Resource.create({"service.name": "file-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    names = []
    for i in range(n):
        with tracer.start_as_current_span(f"op{i}", attributes={"pad": "x" * size, "i": i}):
            names.append(f"op{i}")
    return names


def test_configure_file_exporter_writes_collector_format(tmp_path: Path) -> None:
    tel = mlt.configure(
        force=True,
        traces_exporter="file",
        export_file_path=str(tmp_path),
        service_name="file-svc",
        metrics_exporter="none",
        batch_schedule_delay_s="10ms",
    )
    with mlt.create_span("parent", kind=SpanKind.SERVER) as parent:
        parent.set_attributes({"i": 7, "f": 1.5, "ok": True, "tags": ["a", "b"]})
        with mlt.create_span("child"):
            mlt.add_event("ev", {"k": "v"})
        ctx = parent.span.get_span_context()
    with mlt.create_span("linked") as h:
        h.span.add_link(ctx)
        h.span.set_status(Status(StatusCode.ERROR, "bad"))
    tel.force_flush(5.0)

    lines = (tmp_path / "traces.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    spans = []
    for line in lines:
        request = _to_proto(line)  # every line is one ExportTraceServiceRequest
        assert request.resource_spans
        for rs in request.resource_spans:
            service = {kv.key: kv.value.string_value for kv in rs.resource.attributes}
            assert service["service.name"] == "file-svc"
            spans += [s for ss in rs.scope_spans for s in ss.spans]
    by_name = {s.name: s for s in spans}
    assert set(by_name) == {"parent", "child", "linked"}
    assert by_name["child"].parent_span_id == by_name["parent"].span_id
    assert by_name["child"].trace_id == by_name["parent"].trace_id
    assert by_name["linked"].links[0].span_id == by_name["parent"].span_id
    assert len(by_name["parent"].trace_id) == 16 and len(by_name["parent"].span_id) == 8

    raw = json.loads(lines[0])
    span0 = raw["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert all(c in "0123456789abcdef" for c in span0["traceId"]) and len(span0["traceId"]) == 32
    assert len(span0["spanId"]) == 16
    assert isinstance(span0["startTimeUnixNano"], str)  # 64-bit ints are strings in OTLP/JSON

    read = {s["name"]: s for s in iter_spans(tmp_path)}
    assert read["child"]["parent_span_id"] == read["parent"]["span_id"]
    assert read["parent"]["trace_id"] == by_name["parent"].trace_id.hex()
    assert read["parent"]["attributes"]["i"] == 7
    assert read["parent"]["attributes"]["f"] == 1.5
    assert read["parent"]["attributes"]["ok"] is True
    assert read["parent"]["attributes"]["tags"] == ["a", "b"]
    assert read["parent"]["kind"] == "SPAN_KIND_SERVER"
    assert read["child"]["events"] == [{"name": "ev", "attributes": {"k": "v"}}]
    assert read["linked"]["status_code"] == "STATUS_CODE_ERROR"
    assert read["parent"]["resource"]["service.name"] == "file-svc"
    assert read["parent"]["end_ns"] >= read["parent"]["start_ns"] > 0


def test_rotation_by_size_keeps_every_span(tmp_path: Path) -> None:
    exporter = FileSpanExporter(tmp_path, max_bytes=4096)
    names = _emit(exporter, 40, size=500)
    files = sorted(tmp_path.glob("*.jsonl"))
    assert len(files) > 3
    assert (tmp_path / "traces.jsonl") in files
    for f in files:
        size = f.stat().st_size
        lines = f.read_text(encoding="utf-8").splitlines()
        assert size <= 4096 or len(lines) == 1  # a single oversized line is still written
        for line in lines:
            _to_proto(line)
    assert sorted(s["name"] for s in iter_spans(tmp_path)) == sorted(names)


def test_jsonl_file_path_and_iter_spans_on_a_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "my-traces.jsonl"
    exporter = FileSpanExporter(target)
    names = _emit(exporter, 3)
    assert target.exists()
    assert [s["name"] for s in iter_spans(target)] == names
    exporter.shutdown()
    _emit(exporter, 2)  # after shutdown nothing more is written
    assert [s["name"] for s in iter_spans(target)] == names
    assert exporter.force_flush() is True


def test_file_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "file")
    monkeypatch.setenv("MCP_LLM_TRACE_FILE_PATH", str(tmp_path / "out"))
    tel = mlt.configure(force=True, metrics_exporter="none")
    with mlt.create_span("env-span"):
        pass
    tel.force_flush(5.0)
    assert [s["name"] for s in iter_spans(tmp_path / "out")] == ["env-span"]
