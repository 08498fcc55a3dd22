"""coerce_attribute_value / coerce_attributes: every value becomes something OTLP can carry."""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import timeit
from decimal import Decimal

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_llm_trace._internal.attrs import coerce_attribute_value, coerce_attributes
from mcp_llm_trace._internal.stats import STATS


class Color(enum.Enum):
    RED = "red"
    BIG = 2**80


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")


@pytest.mark.parametrize("value", ["", "héllo", 0, -(2**63), 2**63 - 1, 1.5, True, False])
def test_primitives_pass_through_unchanged(value: object) -> None:
    assert coerce_attribute_value(value) is value


def test_none_is_dropped_and_counted() -> None:
    before = STATS.get("attributes_dropped")
    assert coerce_attribute_value(None) is None
    assert coerce_attributes({"a": None, "b": 1}) == {"b": 1}
    assert STATS.get("attributes_dropped") == before + 2


def test_special_values() -> None:
    assert coerce_attribute_value(float("nan")) == "nan"
    assert coerce_attribute_value(float("inf")) == "inf"
    assert coerce_attribute_value(float("-inf")) == "-inf"
    big = 2**70
    assert coerce_attribute_value(big) == str(big)
    assert coerce_attribute_value(b"caf\xc3\xa9") == "café"
    raw = b"\xff\xfe\x00"
    import base64

    assert base64.b64decode(str(coerce_attribute_value(raw))) == raw
    assert coerce_attribute_value(Color.RED) == "red"
    assert coerce_attribute_value(Color.BIG) == str(2**80)
    assert coerce_attribute_value(Decimal("0.1")) == "0.1"
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert coerce_attribute_value(when) == when.isoformat()
    assert str(coerce_attribute_value(Unprintable())).startswith("<")


def test_containers() -> None:
    nested = {"a": [1, {"b": float("inf")}], "c": b"x", "d": {1, 2}}
    assert json.loads(str(coerce_attribute_value(nested))) == {
        "a": [1, {"b": "inf"}],
        "c": "x",
        "d": [1, 2],
    }
    assert json.loads(str(coerce_attribute_value([{"role": "user"}]))) == [{"role": "user"}]
    assert coerce_attribute_value((1, 2)) == [1, 2]
    assert coerce_attribute_value({3, 1, 2}) == [1, 2, 3]
    assert coerce_attribute_value([1, 2.5]) == [1.0, 2.5]
    assert coerce_attribute_value(["a", 1, True]) == ["a", "1", "true"]
    assert coerce_attribute_value([None, "a"]) == ["a"]
    circular: list[object] = []
    circular.append(circular)
    assert isinstance(coerce_attribute_value(circular), str)


def test_coerce_attributes_keys_and_broken_mapping() -> None:
    assert coerce_attributes({1: "x", "": 2, "ok": [1]}) == {"1": "x", "ok": [1]}
    assert coerce_attributes(None) == {}

    class Broken(dict):  # type: ignore[type-arg]
        def items(self):  # type: ignore[no-untyped-def, override]
            raise RuntimeError("broken")

    assert coerce_attributes(Broken(a=1)) == {}


def test_coerced_values_survive_the_sdk_and_the_otlp_encoder() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    weird = {
        "none": None,
        "dict": {"k": [1, 2]},
        "bytes": b"\x00\xff",
        "nan": float("nan"),
        "huge": 2**90,
        "mixed": [1, "a", 2.0],
        "set": {"b", "a"},
        "enum": Color.RED,
    }
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attributes(coerce_attributes(weird))
    provider.shutdown()
    (finished,) = exporter.get_finished_spans()
    assert set(finished.attributes or {}) == set(weird) - {"none"}
    encoded = encode_spans([finished]).SerializeToString()
    assert encoded


def test_common_case_is_fast() -> None:
    n = 200_000
    per_call = min(timeit.repeat(lambda: coerce_attribute_value("text"), number=n, repeat=3)) / n
    # Budget is 0.3 µs on the reference machine; allow slack for loaded CI machines.
    assert per_call < 2e-6, f"{per_call * 1e9:.0f} ns per call"
    assert math.isfinite(per_call)
