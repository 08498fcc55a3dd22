"""Copy an SDK ``ReadableSpan`` with some fields replaced (export-thread transforms).

Ended SDK spans are read-only; transforms in the export path (enrichment, scrubbing,
size budget) build a new ``ReadableSpan`` instead of mutating the original.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Status
from opentelemetry.util.types import AttributeValue

_UNSET: Any = object()


def plain_attributes(span: ReadableSpan) -> dict[str, AttributeValue]:
    """A plain ``dict`` copy of ``span``'s attributes. Reads the SDK's
    ``BoundedAttributes`` storage directly when it is one (a C-speed dict copy instead of
    a Python-level ``__iter__``/``__getitem__`` per key through the mapping proxy)."""
    raw = getattr(span, "_attributes", None)
    inner = getattr(raw, "_dict", None) if raw is not None else None
    if type(inner) is dict:
        return inner.copy()
    return dict(span.attributes or {})


def copy_span(
    span: ReadableSpan,
    *,
    name: str = _UNSET,
    attributes: Mapping[str, AttributeValue] = _UNSET,
    events: Sequence[Event] = _UNSET,
    status: Status = _UNSET,
) -> ReadableSpan:
    """A new ``ReadableSpan`` equal to ``span`` except for the given fields."""
    return ReadableSpan(
        name=span.name if name is _UNSET else name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=plain_attributes(span) if attributes is _UNSET else dict(attributes),
        events=tuple(span.events) if events is _UNSET else tuple(events),
        links=tuple(span.links),
        kind=span.kind,
        status=span.status if status is _UNSET else status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def with_attributes(span: ReadableSpan, extra: Mapping[str, AttributeValue]) -> ReadableSpan:
    """``span`` plus ``extra`` attributes (``extra`` wins). Returns ``span`` if empty."""
    if not extra:
        return span
    merged = plain_attributes(span)
    merged.update(extra)
    return copy_span(span, attributes=merged)
