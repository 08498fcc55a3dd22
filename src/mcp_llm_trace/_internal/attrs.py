"""Make any Python value a valid OpenTelemetry attribute value — without raising.

OTel attribute values are ``str``, ``bool``, ``int``, ``float`` or homogeneous sequences
of those. User code hands us ``None``, dicts, bytes, ``Decimal``, NaN, 2**70, sets …;
the SDK drops some with a warning and others break the OTLP encoder for the *whole
batch* (an int beyond int64). :func:`coerce_attribute_value` turns them into something
a backend can show:

==========================  ===============================================
value                       becomes
==========================  ===============================================
str, bool, int64, float     itself (fast path, no allocation)
NaN / ±inf                  ``"nan"`` / ``"inf"`` / ``"-inf"``
int beyond int64            its decimal string
bytes / bytearray           UTF-8 text, or base64 when not valid UTF-8
dict, list of dicts/lists   compact JSON string
list/tuple/set of scalars   list (mixed int/float → float, other mixes → str)
Enum                        its ``.value`` (coerced)
None                        dropped (returns ``None``), counted
anything else               ``str(value)`` (datetime → ISO 8601)
==========================  ===============================================

Huge strings are left alone: length limits are the SDK's job
(``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT``) and the size budget transform's.
Counted in :data:`~mcp_llm_trace._internal.stats.STATS` as ``attributes_coerced`` and
``attributes_dropped``.
"""

from __future__ import annotations

import base64
import datetime as _dt
import enum
import json
import math
from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.stats import STATS

__all__ = ["coerce_attribute_value", "coerce_attributes"]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_SCALARS = (str, bool, int, float)
_SEQUENCES = (list, tuple, set, frozenset)


def coerce_attribute_value(value: Any) -> AttributeValue | None:
    """A valid attribute value for ``value``, or ``None`` when it must be dropped.

    Never raises. Primitives pass straight through (the common case costs one type
    check). See the module docstring for the full table.
    """
    t = type(value)
    if t is str or t is bool:
        return value  # type: ignore[no-any-return]
    if t is int:
        if _INT64_MIN <= value <= _INT64_MAX:
            return value  # type: ignore[no-any-return]
    elif t is float and value - value == 0.0:  # false for NaN and ±inf
        return value  # type: ignore[no-any-return]
    return _coerce_slow(value)


def coerce_attributes(attributes: Mapping[Any, Any] | None) -> dict[str, AttributeValue]:
    """Coerce every value of ``attributes``; drop (and count) what cannot be kept.

    Non-string keys become ``str(key)``; empty keys are dropped. Never raises.
    """
    if not attributes:
        return {}
    out: dict[str, AttributeValue] = {}
    try:
        items = list(attributes.items())
    except Exception as exc:  # a broken mapping must not reach user code
        report_internal_error("attrs.items", exc, reraise=False)
        return out
    for raw_key, value in items:
        key = raw_key if type(raw_key) is str else _safe_str(raw_key)
        if not key:
            STATS.add("attributes_dropped")
            continue
        coerced = coerce_attribute_value(value)
        if coerced is not None:
            out[key] = coerced
    return out


# --------------------------------------------------------------------------- slow path


def _coerce_slow(value: Any) -> AttributeValue | None:
    if value is None:
        STATS.add("attributes_dropped")
        return None
    try:
        result = _convert(value)
    except Exception as exc:  # coercion is best effort, never raises
        report_internal_error("attrs.coerce", exc, reraise=False)
        result = _safe_str(value) or None
    if result is None:
        STATS.add("attributes_dropped")
    else:
        STATS.add("attributes_coerced")
    return result


def _convert(value: Any) -> AttributeValue | None:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value) if _INT64_MIN <= value <= _INT64_MAX else str(int(value))
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else _float_str(float(value))
    if isinstance(value, str):  # str subclasses
        return str(value)
    if isinstance(value, enum.Enum):
        inner = value.value
        return _convert(inner) if isinstance(inner, _SCALARS) else str(inner)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _bytes_str(bytes(value))
    if isinstance(value, Mapping):
        return _json(value)
    if isinstance(value, _SEQUENCES):
        return _sequence(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return _safe_str(value) or None


def _sequence(value: Any) -> AttributeValue | None:
    items = list(value)
    if isinstance(value, (set, frozenset)):
        try:
            items.sort()
        except TypeError:
            items.sort(key=repr)
    if any(isinstance(v, (Mapping, *_SEQUENCES)) for v in items):
        return _json(items)
    scalars = [_scalar(v) for v in items if v is not None]
    types = {type(v) for v in scalars}
    if len(types) <= 1:
        return scalars
    if types == {int, float}:
        return [float(v) for v in scalars]
    return [v if isinstance(v, str) else _scalar_str(v) for v in scalars]


def _scalar(v: Any) -> str | bool | int | float:
    converted = _convert(v)
    if isinstance(converted, _SCALARS):
        return converted
    return _safe_str(v)


def _scalar_str(v: str | bool | int | float) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _float_str(v: float) -> str:
    if math.isnan(v):
        return "nan"
    return "inf" if v > 0 else "-inf"


def _bytes_str(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii")


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return _bytes_str(bytes(obj))
    if isinstance(obj, (_dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj.value
    return _safe_str(obj)


def _json(value: Any) -> str:
    try:
        return json.dumps(
            value, default=_json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except ValueError:
        # NaN/inf inside (not valid JSON) or a circular reference: make it printable.
        return json.dumps(
            _jsonable(value, 0), default=_json_default, ensure_ascii=False, separators=(",", ":")
        )


def _jsonable(value: Any, depth: int) -> Any:
    """A JSON-safe copy: non-finite floats as strings, cycles/deep nesting cut off."""
    if depth > 32:
        return "..."
    if isinstance(value, float) and not math.isfinite(value):
        return _float_str(value)
    if isinstance(value, Mapping):
        return {_safe_str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, _SEQUENCES):
        return [_jsonable(v, depth + 1) for v in value]
    return value


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a __str__ that raises
        try:
            return repr(value)
        except Exception:
            return f"<unprintable {type(value).__name__}>"


def first_str(attrs: Mapping[str, Any], *keys: str) -> str | None:
    """The first non-empty string value among ``keys`` (attribute fallbacks across
    conventions, e.g. ``llm.model_name`` then ``gen_ai.request.model``)."""
    for key in keys:
        value = attrs.get(key)
        if isinstance(value, str) and value:
            return value
    return None
