"""OTLP protobuf → SDK ``ReadableSpan`` (replaying spooled batches to non-OTLP exporters).

The inverse of ``opentelemetry.exporter.otlp.proto.common.trace_encoder.encode_spans``
for everything a ``ReadableSpan`` can hold: ids, parent, trace flags/state, remote
parent, kind, times, attributes (arrays, bytes, kvlists), events, links, status,
resource and instrumentation scope. Dropped-attribute counts are not restored.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import Status as PbStatus
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState

__all__ = ["decode_request", "decode_spans"]

_KIND = {
    PbSpan.SPAN_KIND_UNSPECIFIED: SpanKind.INTERNAL,
    PbSpan.SPAN_KIND_INTERNAL: SpanKind.INTERNAL,
    PbSpan.SPAN_KIND_SERVER: SpanKind.SERVER,
    PbSpan.SPAN_KIND_CLIENT: SpanKind.CLIENT,
    PbSpan.SPAN_KIND_PRODUCER: SpanKind.PRODUCER,
    PbSpan.SPAN_KIND_CONSUMER: SpanKind.CONSUMER,
}
_STATUS = {
    PbStatus.STATUS_CODE_UNSET: StatusCode.UNSET,
    PbStatus.STATUS_CODE_OK: StatusCode.OK,
    PbStatus.STATUS_CODE_ERROR: StatusCode.ERROR,
}
# Span.flags: low 8 bits are W3C trace flags; bits 8/9 say whether the parent is remote.
_HAS_IS_REMOTE = 0x100
_IS_REMOTE = 0x200


def _value(v: AnyValue) -> Any:
    which = v.WhichOneof("value")
    if which is None:
        return None
    if which == "array_value":
        return [_value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in v.kvlist_value.values}
    return getattr(v, which)


def _attrs(kvs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in kvs}


def _trace_state(text: str) -> TraceState:
    if not text:
        return TraceState()
    return TraceState.from_header([text])


def decode_request(request: ExportTraceServiceRequest) -> list[ReadableSpan]:
    """Rebuild the spans of an export request."""
    out: list[ReadableSpan] = []
    for rs in request.resource_spans:
        resource = Resource(_attrs(rs.resource.attributes), rs.schema_url)
        for ss in rs.scope_spans:
            scope = InstrumentationScope(
                ss.scope.name,
                ss.scope.version or None,
                ss.schema_url or None,
                _attrs(ss.scope.attributes) or None,
            )
            for s in ss.spans:
                out.append(_span(s, resource, scope))
    return out


def _span(s: PbSpan, resource: Resource, scope: InstrumentationScope) -> ReadableSpan:
    trace_id = int.from_bytes(s.trace_id, "big")
    context = SpanContext(
        trace_id,
        int.from_bytes(s.span_id, "big"),
        is_remote=False,
        trace_flags=TraceFlags(s.flags & 0xFF),
        trace_state=_trace_state(s.trace_state),
    )
    parent = None
    if s.parent_span_id:
        parent = SpanContext(
            trace_id,
            int.from_bytes(s.parent_span_id, "big"),
            is_remote=bool(s.flags & _IS_REMOTE),
            trace_flags=TraceFlags(s.flags & 0xFF),
        )
    events = [Event(e.name, _attrs(e.attributes), e.time_unix_nano) for e in s.events]
    links = [
        Link(
            SpanContext(
                int.from_bytes(ln.trace_id, "big"),
                int.from_bytes(ln.span_id, "big"),
                is_remote=bool(ln.flags & _IS_REMOTE),
                trace_flags=TraceFlags(ln.flags & 0xFF),
                trace_state=_trace_state(ln.trace_state),
            ),
            _attrs(ln.attributes),
        )
        for ln in s.links
    ]
    code = _STATUS.get(s.status.code, StatusCode.UNSET)
    return ReadableSpan(
        name=s.name,
        context=context,
        parent=parent,
        resource=resource,
        attributes=_attrs(s.attributes),
        events=events,
        links=links,
        kind=_KIND.get(s.kind, SpanKind.INTERNAL),
        status=Status(code, s.status.message or None) if code is StatusCode.ERROR else Status(code),
        start_time=s.start_time_unix_nano,
        end_time=s.end_time_unix_nano,
        instrumentation_scope=scope,
    )


def decode_spans(payload: bytes) -> list[ReadableSpan]:
    """Parse serialized ``ExportTraceServiceRequest`` bytes into spans (raises on junk)."""
    return decode_request(ExportTraceServiceRequest.FromString(payload))
