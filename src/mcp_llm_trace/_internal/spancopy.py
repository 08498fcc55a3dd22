"""Copy an SDK ``ReadableSpan`` with some fields replaced (export-thread transforms).

Ended SDK spans are read-only; transforms in the export path (enrichment, scrubbing,
size budget) build a new ``ReadableSpan`` instead of mutating the original.

The copy is built field by field (what ``ReadableSpan.__init__`` stores, read from the
source span's own fields) when the span's class keeps the SDK's getters; that skips a
keyword-argument call and a dozen property reads per span. Any other class, or an SDK
whose ``ReadableSpan`` stores other fields, takes the public constructor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Status
from opentelemetry.util.types import AttributeValue

_UNSET: Any = object()

#: What ``ReadableSpan.__init__`` stores (checked once against the installed SDK).
_FIELDS = frozenset(
    {
        "_name",
        "_context",
        "_kind",
        "_instrumentation_info",
        "_instrumentation_scope",
        "_parent",
        "_start_time",
        "_end_time",
        "_attributes",
        "_events",
        "_links",
        "_resource",
        "_status",
    }
)
#: The getters a class must inherit unchanged for its fields to be read directly.
_GETTERS = (
    "name",
    "context",
    "kind",
    "parent",
    "start_time",
    "end_time",
    "status",
    "attributes",
    "events",
    "links",
    "resource",
    "instrumentation_scope",
)
#: Span class → whether its fields can be read directly (see :func:`_direct`).
_DIRECT: dict[type, bool] = {}
_new = object.__new__


def _sdk_layout_known() -> bool:
    probe = ReadableSpan(name="probe", resource=Resource.get_empty())
    return set(vars(probe)) == _FIELDS


_LAYOUT_KNOWN = _sdk_layout_known()


def _direct(cls: type) -> bool:
    ok = _DIRECT.get(cls)
    if ok is None:
        ok = _LAYOUT_KNOWN and all(
            getattr(cls, g, None) is getattr(ReadableSpan, g) for g in _GETTERS
        )
        _DIRECT[cls] = ok
    return ok


def plain_attributes(span: ReadableSpan) -> dict[str, AttributeValue]:
    """A plain ``dict`` copy of ``span``'s attributes. Reads the SDK's
    ``BoundedAttributes`` storage directly when it is one (a C-speed dict copy instead of
    a Python-level ``__iter__``/``__getitem__`` per key through the mapping proxy)."""
    return dict(attributes_view(span))


def attributes_view(span: ReadableSpan) -> Mapping[str, AttributeValue]:
    """``span``'s attributes for reading, without a copy when they are stored in a plain
    dict (the SDK's ``BoundedAttributes`` storage, or an earlier transform's copy).

    The result may be the span's own storage: never modify it. Ended spans do not change
    their attributes, so reading it in the export thread is safe.
    """
    raw = getattr(span, "_attributes", None)
    if type(raw) is dict:
        return raw
    inner = getattr(raw, "_dict", None) if raw is not None else None
    if type(inner) is dict:
        return inner
    return span.attributes or {}


def _sequence(value: Any) -> tuple[Any, ...]:
    # What the ``events``/``links`` getters return: a tuple copy of the stored sequence.
    if type(value) is tuple:
        return value
    return tuple(value) if value else ()


def _build(
    span: ReadableSpan,
    name: str,
    attributes: dict[str, AttributeValue],
    events: tuple[Event, ...] | None,
    status: Status,
) -> ReadableSpan:
    """The copy; ``attributes`` becomes the new span's own (not copied again)."""
    if not _direct(type(span)):
        return ReadableSpan(
            name=name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=attributes,
            events=tuple(span.events) if events is None else events,
            links=tuple(span.links),
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )
    src: Any = span
    new: Any = _new(ReadableSpan)
    new.__dict__.update(
        _name=name,
        _context=src._context,
        _kind=src._kind,
        _instrumentation_info=None,
        _instrumentation_scope=src._instrumentation_scope,
        _parent=src._parent,
        _start_time=src._start_time,
        _end_time=src._end_time,
        _attributes=attributes,
        _events=_sequence(src._events) if events is None else events,
        _links=_sequence(src._links),
        _resource=src._resource,
        _status=status,
    )
    result: ReadableSpan = new
    return result


def copy_span(
    span: ReadableSpan,
    *,
    name: str = _UNSET,
    attributes: Mapping[str, AttributeValue] = _UNSET,
    events: Sequence[Event] = _UNSET,
    status: Status = _UNSET,
) -> ReadableSpan:
    """A new ``ReadableSpan`` equal to ``span`` except for the given fields."""
    return _build(
        span,
        span.name if name is _UNSET else name,
        plain_attributes(span) if attributes is _UNSET else dict(attributes),
        None if events is _UNSET else tuple(events),
        span.status if status is _UNSET else status,
    )


def with_attributes(
    span: ReadableSpan,
    extra: Mapping[str, AttributeValue],
    base: Mapping[str, AttributeValue] | None = None,
) -> ReadableSpan:
    """``span`` plus ``extra`` attributes (``extra`` wins). Returns ``span`` if empty.

    ``base`` is ``span``'s attributes when the caller already has them (e.g. from
    :func:`attributes_view`): the new attributes are then one ``{**base, **extra}``.
    """
    if not extra:
        return span
    merged = {**(attributes_view(span) if base is None else base), **extra}
    return _build(span, span.name, merged, None, span.status)
