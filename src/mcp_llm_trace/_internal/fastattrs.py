"""Write already-valid attributes onto a live SDK span without validating them twice.

``Span.set_attributes`` runs the SDK's recursive ``_clean_attribute_value`` over every
value (a dozen ``isinstance`` checks each) although the values a handle collects are
valid by construction: our own strings/ints/floats/bools, or user values that went
through :func:`~mcp_llm_trace._internal.attrs.coerce_attributes`. For a typical LLM span
that second validation of ~25 values was the largest single item of the caller-thread
profile (see ``docs/performance.md``).

:func:`write_attributes` keeps the SDK's observable behaviour:

* under the span's lock, nothing is written to an ended span (the SDK path then logs its
  "Setting attribute on ended span." warning);
* a re-set key moves to the end (delete + insert), exactly like ``_setitem_locked``;
* ``max_span_attributes`` (drop the oldest, count ``dropped``, warn) and
  ``max_span_attribute_length`` (truncate, warn) are enforced by the SDK's own code: any
  value that is not a plain scalar, any string over the length limit and every insert
  into a full dict take the SDK's path for that item;
* lists become tuples (the SDK's cleaning does that; exporters rely on it).

The usual batch (only new keys, ``str``/``int``/``float``/``bool`` values, no length
limit, room for all) is recognised with C-level set checks and stored with one
``dict.update`` — the same items in the same order as the per-item loop.

Anything that is not a plain SDK span with a ``BoundedAttributes`` falls back to
``span.set_attributes``, as does everything if the SDK's private layout ever changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from opentelemetry.trace import Span as ApiSpan
from opentelemetry.util.types import AttributeValue

try:  # private SDK layout, checked once; any mismatch disables the fast path
    from opentelemetry.attributes import BoundedAttributes
    from opentelemetry.attributes import _clean_attribute_value as _clean
    from opentelemetry.sdk import trace as _sdk_trace
    from opentelemetry.sdk.trace import Span as _SdkSpan

    _SpanImpl: type = getattr(_sdk_trace, "_Span", _SdkSpan)
    _OK = (
        all(hasattr(BoundedAttributes, name) for name in ("_setitem_locked", "_set_items"))
        and callable(_clean)
        and issubclass(_SpanImpl, _SdkSpan)
    )
except Exception:  # pragma: no cover - only with an unexpected SDK
    _OK = False

__all__ = ["write_attributes"]

_SCALAR = (int, float, bool)
#: Value types stored exactly as given (when no truncation limit is set).
_PLAIN = frozenset((str, int, float, bool))


def write_attributes(span: ApiSpan, attrs: Mapping[str, AttributeValue]) -> None:
    """Set ``attrs`` (valid OTel values, non-empty ``str`` keys) on ``span``."""
    # The exact class the SDK's tracer creates skips the ABC isinstance check.
    if not _OK or (type(span) is not _SpanImpl and not isinstance(span, _SdkSpan)):
        span.set_attributes(attrs)
        return
    _write_sdk(cast(_SdkSpan, span), attrs)


def _write_sdk(span: _SdkSpan, attrs: Mapping[str, AttributeValue]) -> None:
    bounded = getattr(span, "_attributes", None)
    lock = getattr(span, "_lock", None)
    if type(bounded) is not BoundedAttributes or lock is None:
        span.set_attributes(attrs)
        return
    with lock:
        if span._end_time is not None or bounded._immutable or bounded.maxlen == 0:
            ended = True
        else:
            ended = False
            _write(bounded, attrs)
    if ended:
        span.set_attributes(attrs)  # the SDK's own warning / drop accounting


def _write(bounded: Any, attrs: Mapping[str, AttributeValue]) -> None:
    d: dict[str, Any] = bounded._dict
    maxlen = bounded.maxlen
    maxv = bounded.max_value_len
    setitem = bounded._setitem_locked
    with bounded._lock:
        if (
            maxv is None
            and (maxlen is None or len(d) + len(attrs) <= maxlen)
            and _PLAIN.issuperset(map(type, attrs.values()))
            and "" not in attrs
            and d.keys().isdisjoint(attrs)
        ):
            # The common case, checked at C speed: only new keys, plain scalar values
            # and room for all of them. The loop below would store each value as it
            # is, in this order; one update does the same. Keys are ``str`` by this
            # function's contract (the handles' keys are our constants or went through
            # coerce_attributes), so only the empty key is looked for here.
            d.update(attrs)
            return
        for key, value in attrs.items():
            t = type(value)
            if t is str:
                if maxv is not None and len(value) > maxv:  # type: ignore[arg-type]
                    value = _clean(value, maxv)
            elif t not in _SCALAR:
                value = _clean(value, maxv)
            if type(key) is not str or not key:
                bounded.dropped += 1  # what the SDK's mapping clean does (after a warning)
                continue
            if key in d:
                del d[key]
            elif maxlen is not None and len(d) >= maxlen:
                setitem(key, value)  # drop the oldest, count, warn: the SDK's code
                continue
            d[key] = value
