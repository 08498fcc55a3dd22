"""Turn OTLP protobuf / Zipkin JSON spans into plain dicts that tests can compare."""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

_KINDS = {
    Span.SPAN_KIND_UNSPECIFIED: "UNSPECIFIED",
    Span.SPAN_KIND_INTERNAL: "INTERNAL",
    Span.SPAN_KIND_SERVER: "SERVER",
    Span.SPAN_KIND_CLIENT: "CLIENT",
    Span.SPAN_KIND_PRODUCER: "PRODUCER",
    Span.SPAN_KIND_CONSUMER: "CONSUMER",
}
_STATUS = {
    Status.STATUS_CODE_UNSET: "UNSET",
    Status.STATUS_CODE_OK: "OK",
    Status.STATUS_CODE_ERROR: "ERROR",
}


def any_value(v: AnyValue) -> Any:
    """Python value of an OTLP ``AnyValue``."""
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [any_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return kv_dict(v.kvlist_value.values)
    return getattr(v, which)


def kv_dict(kvs: Any) -> dict[str, Any]:
    """``repeated KeyValue`` → dict."""
    out: dict[str, Any] = {}
    kv: KeyValue
    for kv in kvs:
        out[kv.key] = any_value(kv.value)
    return out


def spans_from_request(req: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """Every span of an export request as a flat dict (resource and scope included)."""
    out: list[dict[str, Any]] = []
    for rs in req.resource_spans:
        resource = kv_dict(rs.resource.attributes)
        for ss in rs.scope_spans:
            for s in ss.spans:
                out.append(
                    {
                        "trace_id": s.trace_id.hex(),
                        "span_id": s.span_id.hex(),
                        "parent_span_id": s.parent_span_id.hex() or None,
                        "name": s.name,
                        "kind": _KINDS.get(s.kind, str(s.kind)),
                        "start_ns": s.start_time_unix_nano,
                        "end_ns": s.end_time_unix_nano,
                        "attributes": kv_dict(s.attributes),
                        "events": [
                            {"name": e.name, "attributes": kv_dict(e.attributes)} for e in s.events
                        ],
                        "links": [
                            {"trace_id": ln.trace_id.hex(), "span_id": ln.span_id.hex()}
                            for ln in s.links
                        ],
                        "status_code": _STATUS.get(s.status.code, str(s.status.code)),
                        "status_message": s.status.message,
                        "resource": resource,
                        "service_name": resource.get("service.name"),
                        "scope": ss.scope.name,
                    }
                )
    return out


def spans_from_zipkin(payload: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Zipkin JSON v2 spans → the same dict shape (attributes are Zipkin string tags)."""
    out: list[dict[str, Any]] = []
    for z in payload:
        tags = dict(z.get("tags") or {})
        status = tags.get("otel.status_code", "UNSET")
        service = (z.get("localEndpoint") or {}).get("serviceName")
        out.append(
            {
                "trace_id": str(z.get("traceId", "")).rjust(32, "0"),
                "span_id": z.get("id"),
                "parent_span_id": z.get("parentId"),
                "name": z.get("name"),
                "kind": z.get("kind", "INTERNAL"),
                "start_ns": int(z.get("timestamp", 0)) * 1000,
                "end_ns": (int(z.get("timestamp", 0)) + int(z.get("duration", 0))) * 1000,
                "attributes": tags,
                "events": [
                    {"name": a.get("value"), "attributes": {}} for a in z.get("annotations") or []
                ],
                "links": [],
                "status_code": status,
                "status_message": tags.get("error", ""),
                "resource": {"service.name": service},
                "service_name": service,
                "scope": tags.get("otel.scope.name") or tags.get("otel.library.name"),
            }
        )
    return out
