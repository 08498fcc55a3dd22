"""Property tests: config loading never crashes on env values; coercion never raises."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext

from mcp_llm_trace._internal.attrs import coerce_attribute_value, coerce_attributes
from mcp_llm_trace._settings import SETTINGS
from mcp_llm_trace.config import ConfigError, TelemetryConfig, load_config

ENV_NAMES = sorted({name for s in SETTINGS.values() for name in s.env})
KWARGS = sorted(s.kwarg for s in SETTINGS.values())

env_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "true", "0", "-1", "nan", "inf", "1e309", "10ms", "a=b,c", "${X}"]),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
anything = st.one_of(
    json_like,
    st.binary(max_size=30),
    st.sets(st.integers() | st.text(max_size=5), max_size=5),
    st.tuples(st.integers(), st.text(max_size=5), st.floats()),
    st.integers(min_value=-(2**100), max_value=2**100),
    st.decimals(allow_nan=True),
    st.datetimes(),
    st.complex_numbers(),
    st.frozensets(st.floats(), max_size=3),
)

QUIET = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True)
def _quiet_config_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, "mcp_llm_trace.config")


@QUIET
@given(st.dictionaries(st.sampled_from(ENV_NAMES), env_text, max_size=12))
def test_any_environment_loads(environ: dict[str, str]) -> None:
    cfg = load_config(environ=environ)
    assert isinstance(cfg, TelemetryConfig)
    assert cfg.batch.max_queue_size >= 1
    assert not math.isnan(cfg.otlp.timeout_s)


@QUIET
@given(st.sampled_from(KWARGS), st.one_of(env_text, json_like))
def test_bad_kwargs_raise_only_config_error(name: str, value: Any) -> None:
    try:
        cfg = load_config(environ={}, **{name: value})
    except ConfigError:
        return
    assert isinstance(cfg, TelemetryConfig)


@settings(max_examples=400, deadline=None)
@given(anything)
def test_coerce_never_raises_and_returns_valid_values(value: Any) -> None:
    out = coerce_attribute_value(value)
    if out is None:
        return
    assert isinstance(out, (str, bool, int, float, list))
    if isinstance(out, list):
        assert len({type(v) for v in out}) <= 1
    # The real proof: the OTLP encoder accepts it.
    span = ReadableSpan("s", context=SpanContext(1, 1, False), attributes={"k": out})
    assert encode_spans([span]).SerializeToString() is not None


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), anything, max_size=6))
def test_coerce_attributes_never_raises(mapping: dict[Any, Any]) -> None:
    out = coerce_attributes(mapping)
    assert all(isinstance(k, str) and k for k in out)
    assert None not in out.values()
