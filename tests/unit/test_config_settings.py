"""Every row of the SETTINGS table, through every environment variable and YAML path.

For each setting: a valid value changes the effective config; a bad value logs exactly
one warning naming the variable (or YAML key) and the setting falls back to its default.
The sample table must cover every setting, so adding a setting without a test fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcp_llm_trace._settings import SETTINGS
from mcp_llm_trace.config import (
    BudgetConfig,
    CollectorConfig,
    ConfigError,
    MaskPattern,
    TelemetryConfig,
    load_config,
)

_NO_BAD = object()  # the parser accepts every string (e.g. free-form text)


@dataclass(frozen=True)
class Sample:
    """A valid raw value, what the effective config shows, and an invalid raw value."""

    good: Any
    expect: Any  # the expected effective value, or a predicate on it
    bad: Any = _NO_BAD
    yaml_good: Any = _NO_BAD  # defaults to ``good``
    yaml_bad: Any = _NO_BAD  # defaults to ``bad``

    def good_yaml(self) -> Any:
        return self.good if self.yaml_good is _NO_BAD else self.yaml_good

    def bad_yaml(self) -> Any:
        return self.bad if self.yaml_bad is _NO_BAD else self.yaml_bad


def _has(*items: str) -> Callable[[Any], bool]:
    return lambda value: all(i in value for i in items)


SAMPLES: dict[str, Sample] = {
    "enabled": Sample("false", False, "maybe"),
    "tracing_enabled": Sample("false", False, "maybe"),
    "service_name": Sample("svc-x", "svc-x", yaml_bad=["a", "b"]),
    "service_version": Sample("2.0.1", "2.0.1"),
    "deployment_environment": Sample("staging", "staging"),
    "resource_attributes": Sample("a=1,b=x%20y", {"a": "1", "b": "x y"}, "novalue"),
    "traces_exporter": Sample("console,file", ("console", "file"), " , "),
    "zipkin_endpoint": Sample(
        "http://z:9411/api/v2/spans", "http://z:9411/api/v2/spans", yaml_bad=[1]
    ),
    "otlp.endpoint": Sample("http://c:4318", "http://c:4318"),
    "otlp.traces_endpoint": Sample("http://c:4318/v1/traces", "http://c:4318/v1/traces"),
    "otlp.protocol": Sample("grpc", "grpc", "udp"),
    "otlp.headers": Sample(
        "api-key=abc,x=y",
        {"api-key": "abc", "x": "y"},
        "nokeyvalue",
        yaml_good={"api-key": "abc", "x": "y"},
        yaml_bad=["api-key"],
    ),
    "otlp.insecure": Sample("true", True, "maybe"),
    "otlp.certificate": Sample("/etc/ca.pem", "/etc/ca.pem"),
    "otlp.client_key": Sample("/etc/key.pem", "/etc/key.pem"),
    "otlp.client_certificate": Sample("/etc/cert.pem", "/etc/cert.pem"),
    "otlp.compression": Sample("gzip", "gzip", "zip"),
    # env durations are milliseconds (OTel spec); YAML takes units
    "otlp.timeout_s": Sample("2500", 2.5, "soon", yaml_good="2500ms"),
    "sampling.strategy": Sample("traceidratio", "traceidratio", "sometimes"),
    "sampling.arg": Sample("0.25", 0.25, "lots"),
    "sampling.ratio": Sample("0.3", 0.3, "1.5"),
    "sampling.max_per_second": Sample("5", 5.0, "0"),
    "sampling.target_per_second": Sample("7", 7.0, "-1"),
    "propagators": Sample("b3,tracecontext", ("b3", "tracecontext"), "xray"),
    "batch.max_queue_size": Sample("100", 100, "0"),
    "batch.max_export_batch_size": Sample("64", 64, "-5"),
    "batch.schedule_delay_s": Sample("250", 0.25, "later", yaml_good="250ms"),
    "batch.export_timeout_s": Sample("1000", 1.0, "never", yaml_good="1s"),
    "attribute_value_length_limit": Sample("100", 100, "0"),
    "span_attribute_value_length_limit": Sample("200", 200, "x"),
    "semconv": Sample("genai", "genai", "both2"),
    "capture.content": Sample("true", True, "maybe"),
    "capture.prompts": Sample("true", True, "perhaps"),
    "capture.completions": Sample("true", True, "perhaps"),
    "capture.tool_io": Sample("true", True, "perhaps"),
    "capture.documents": Sample("true", True, "perhaps"),
    "capture.embeddings_vectors": Sample("true", True, "perhaps"),
    "capture.hide_inputs": Sample("true", True, "perhaps"),
    "capture.hide_outputs": Sample("true", True, "perhaps"),
    "capture.max_span_bytes": Sample("2048", 2048, "10"),
    "metrics.enabled": Sample("false", False, "perhaps"),
    "metrics.exporter": Sample("otlp, Prometheus", "otlp,prometheus", "graphite"),
    "metrics.prometheus_host": Sample("0.0.0.0", "0.0.0.0", yaml_bad=["a", "b"]),
    "metrics.prometheus_port": Sample("9999", 9999, "70000"),
    "metrics.export_interval_s": Sample("1500", 1.5, "x", yaml_good="1.5s"),
    "metrics.collectors": Sample(
        [{"name": "system", "interval": "5s"}],
        (CollectorConfig("system", True, 5.0),),
        [{"name": "gpu"}],
    ),
    "metrics.dimensions": Sample("tenant.id,model", ("tenant.id", "model"), yaml_bad={"a": 1}),
    "metrics.max_values_per_dimension": Sample("5", 5, "0"),
    "logs.enabled": Sample("true", True, "perhaps"),
    "logs.correlation": Sample("false", False, "perhaps"),
    "logs.exporter": Sample("memory", "memory", "kafka"),
    "privacy.sanitize_pii": Sample("true", True, "perhaps"),
    "privacy.sensitive_fields": Sample(["X-Custom"], _has("x-custom", "password"), 5),
    "privacy.mask_patterns": Sample(
        [{"regex": r"\d+", "replacement": "[N]"}], (MaskPattern(r"\d+", "[N]"),), [{"regex": "("}]
    ),
    "privacy.profile": Sample("strict", "strict", "paranoid"),
    "privacy.entities": Sample("EMAIL_ADDRESS", ("EMAIL_ADDRESS",), yaml_bad=5),
    "privacy.threshold": Sample("0.5", 0.5, "2"),
    "privacy.ner": Sample("true", True, "perhaps"),
    "privacy.allow_list": Sample(["a@b.c"], ("a@b.c",), 5),
    "privacy.languages": Sample(["de"], ("de",), 5),
    "privacy.phone_regions": Sample(["CH"], ("CH",), 5),
    "privacy.presidio": Sample("false", False, "perhaps"),
    "privacy.pseudonymize": Sample("true", True, "perhaps"),
    "privacy.pseudonym_secret": Sample("s3cret", "s3cret"),
    "privacy.time_budget_ms": Sample("50", 50.0, "0"),
    "privacy.workers": Sample("2", 2, "-1"),
    "export.spool_dir": Sample("/var/spool/x", "/var/spool/x"),
    "export.spool_max_mb": Sample("10", 10.0, "0"),
    "export.spool_fsync": Sample("true", True, "perhaps"),
    "export.breaker_failure_threshold": Sample("3", 3, "0"),
    "export.breaker_reset_timeout_s": Sample("5s", 5.0, "x"),
    "export.breaker_max_open_s": Sample("3s", 3.0, "x"),
    "export.file_path": Sample("/tmp/t", "/tmp/t", yaml_bad=[1]),
    "export.file_max_mb": Sample("1", 1.0, "0"),
    "phoenix.endpoint": Sample("http://p:6006", "http://p:6006", yaml_bad=[1]),
    "phoenix.project_name": Sample("proj", "proj", yaml_bad={"a": 1}),
    "phoenix.api_key": Sample("k-123", "k-123"),
    "pricing.enabled": Sample("false", False, "perhaps"),
    "pricing.files": Sample("a.yaml,b.yaml", ("a.yaml", "b.yaml"), yaml_bad=5),
    "pricing.budgets": Sample(
        [{"scope": "tenant", "id": "acme", "tokens": 1000}],
        (BudgetConfig("tenant", "acme", "day", 1000, None),),
        [{"id": "x"}],
    ),
    "attribution.baggage_keys": Sample("user.id,plan", ("user.id", "plan"), yaml_bad=5),
}

ENV_CASES = [(key, var) for key, s in SETTINGS.items() for var in s.env]
YAML_CASES = [(key, path) for key, s in SETTINGS.items() for path in s.yaml]
BAD_ENV_CASES = [(k, v) for k, v in ENV_CASES if isinstance(SAMPLES[k].bad, str)]
BAD_YAML_CASES = [(k, p) for k, p in YAML_CASES if SAMPLES[k].bad_yaml() is not _NO_BAD]
DEFAULTS = load_config(environ={})


def _check(key: str, cfg: TelemetryConfig) -> None:
    expect = SAMPLES[key].expect
    value = cfg.get(key)
    if callable(expect):
        assert expect(value), f"{key}: {value!r}"
    else:
        assert value == expect, f"{key}: {value!r} != {expect!r}"


def _yaml_file(tmp_path: Path, dotted: str, value: Any) -> Path:
    node: Any = value
    for part in reversed(dotted.split(".")):
        node = {part: node}
    path = tmp_path / "observability.yaml"
    path.write_text(yaml.safe_dump({"observability": node}), encoding="utf-8")
    return path


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_every_setting_has_a_sample() -> None:
    assert set(SAMPLES) == set(SETTINGS)


def test_every_setting_is_reachable_from_env_or_yaml() -> None:
    assert all(s.env or s.yaml for s in SETTINGS.values())


def test_samples_differ_from_defaults() -> None:
    for key, sample in SAMPLES.items():
        if not callable(sample.expect):
            assert DEFAULTS.get(key) != sample.expect, key


@pytest.mark.parametrize(("key", "var"), ENV_CASES, ids=[v for _, v in ENV_CASES])
def test_env_var_sets_value(key: str, var: str, caplog: pytest.LogCaptureFixture) -> None:
    good = SAMPLES[key].good
    raw = good if isinstance(good, str) else ",".join(str(v) for v in good)
    cfg = load_config(environ={var: raw})
    _check(key, cfg)
    assert not _warnings(caplog)


@pytest.mark.parametrize(("key", "var"), BAD_ENV_CASES, ids=[v for _, v in BAD_ENV_CASES])
def test_bad_env_var_warns_once_and_falls_back(
    key: str, var: str, caplog: pytest.LogCaptureFixture
) -> None:
    bad = SAMPLES[key].bad
    with caplog.at_level(logging.WARNING):
        cfg = load_config(environ={var: bad})
    assert cfg.get(key) == DEFAULTS.get(key)
    messages = _warnings(caplog)
    assert len(messages) == 1, messages
    assert var in messages[0]


@pytest.mark.parametrize(("key", "ypath"), YAML_CASES, ids=[p for _, p in YAML_CASES])
def test_yaml_key_sets_value(
    key: str, ypath: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = load_config(_yaml_file(tmp_path, ypath, SAMPLES[key].good_yaml()), environ={})
    _check(key, cfg)
    assert not _warnings(caplog)


@pytest.mark.parametrize(("key", "ypath"), BAD_YAML_CASES, ids=[p for _, p in BAD_YAML_CASES])
def test_bad_yaml_value_warns_once_naming_key(
    key: str, ypath: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = SAMPLES[key].bad_yaml()
    with caplog.at_level(logging.WARNING):
        cfg = load_config(_yaml_file(tmp_path, ypath, bad), environ={})
    assert cfg.get(key) == DEFAULTS.get(key)
    messages = _warnings(caplog)
    assert len(messages) == 1, messages
    assert f"'{ypath}'" in messages[0]


@pytest.mark.parametrize("key", list(SETTINGS))
def test_kwarg_sets_value(key: str) -> None:
    cfg = load_config(environ={}, **{SETTINGS[key].kwarg: SAMPLES[key].good_yaml()})
    _check(key, cfg)


@pytest.mark.parametrize("key", [k for k, s in SAMPLES.items() if s.bad_yaml() is not _NO_BAD])
def test_bad_kwarg_raises_config_error_naming_the_field(key: str) -> None:
    kwarg = SETTINGS[key].kwarg
    with pytest.raises(ConfigError) as err:
        load_config(environ={}, **{kwarg: SAMPLES[key].bad_yaml()})
    assert kwarg in str(err.value)


@pytest.mark.parametrize(
    ("kwarg", "bad", "allowed"),
    [
        ("otlp_protocol", "udp", ["grpc", "http/protobuf"]),
        ("otlp_compression", "zip", ["gzip", "none", "deflate"]),
        ("sampling_strategy", "sometimes", ["always_on", "rate_limited", "adaptive"]),
        ("semconv", "x", ["both", "openinference", "genai"]),
        ("propagators", "xray", ["b3", "b3multi", "tracecontext", "baggage"]),
        ("metrics_exporter", "prom", ["otlp", "console", "memory", "prometheus", "none"]),
        ("sampling_ratio", 2, ["[0.0, 1.0]"]),
    ],
)
def test_config_error_lists_allowed_values(kwarg: str, bad: Any, allowed: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(environ={}, **{kwarg: bad})
    text = str(err.value)
    assert kwarg in text
    for name in allowed:
        assert name in text


def test_unknown_kwarg_raises_with_suggestions() -> None:
    with pytest.raises(ConfigError, match="unknown configuration option 'otlp_endpiont'") as err:
        load_config(environ={}, otlp_endpiont="http://x")
    assert "otlp_endpoint" in str(err.value)
