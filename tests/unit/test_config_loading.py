"""load_config(): precedence, ${VAR} substitution, unknown keys, durations, secrets, seeds."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from mcp_llm_trace.config import (
    KWARG_ALIASES,
    CollectorConfig,
    ConfigError,
    MaskPattern,
    load_config,
)

SEED = Path("/work/shared/examples")
SECRET = "sk-live-0123456789"


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "obs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines, comment lines and trailing `# comments` removed."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s+)#.*$", "", line).strip()
        if line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


# ------------------------------------------------------------------ precedence


def test_precedence_kwargs_over_env_over_file_over_defaults(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "observability:\n  service:\n    name: from-file\n    version: '1.0'\n"
        "  tracing:\n    exporter:\n      protocol: grpc\n      compression: gzip\n",
    )
    env = {
        "OTEL_SERVICE_NAME": "from-env",
        "OTEL_SERVICE_VERSION": "2.0",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
    }
    cfg = load_config(path, environ=env, service_name="from-kwarg")
    assert cfg.service_name == "from-kwarg"  # kwarg > env > file
    assert cfg.service_version == "2.0"  # env > file
    assert cfg.otlp.protocol == "http/protobuf"  # env > file
    assert cfg.otlp.compression == "gzip"  # file > default
    assert cfg.otlp.timeout_s == 10.0  # default
    assert cfg.config_file == str(path)


def test_signal_specific_env_wins_over_generic() -> None:
    cfg = load_config(
        environ={
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf",
        }
    )
    assert cfg.otlp.protocol == "http/protobuf"


@pytest.mark.parametrize("var", ["OTEL_CONFIG_FILE", "MCP_LLM_TRACE_CONFIG"])
def test_config_file_from_environment(var: str, tmp_path: Path) -> None:
    path = _write(tmp_path, "service_name: via-env-file\n")
    assert load_config(environ={var: str(path)}).service_name == "via-env-file"


def test_missing_explicit_file_raises_but_env_named_file_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="nope.yaml"):
        load_config(missing, environ={})
    cfg = load_config(environ={"OTEL_CONFIG_FILE": str(missing)})
    assert cfg.service_name == "unknown_service"
    assert any("nope.yaml" in m for m in _warnings(caplog))


def test_bad_env_value_falls_back_to_the_file_value(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "tracing:\n  batch:\n    max_queue_size: 99\n")
    cfg = load_config(path, environ={"OTEL_BSP_MAX_QUEUE_SIZE": "lots"})
    assert cfg.batch.max_queue_size == 99
    assert len(_warnings(caplog)) == 1


def test_empty_env_value_counts_as_unset() -> None:
    assert load_config(environ={"OTEL_SERVICE_NAME": "  "}).service_name == "unknown_service"


@pytest.mark.parametrize(("alias", "target"), sorted(KWARG_ALIASES.items()))
def test_kwarg_aliases_reach_their_setting(alias: str, target: str) -> None:
    values: dict[str, object] = {
        "traces_exporter": "console",
        "sampling_strategy": "always_off",
        "privacy_sanitize_pii": True,
        "export_spool_dir": "/tmp/s",
        "phoenix_project_name": "p",
        "otlp_endpoint": "http://x:4318",
        "otlp_headers": {"k": "v"},
    }
    raw = values[target]
    via_alias = load_config(environ={}, **{alias: raw})
    assert via_alias == load_config(environ={}, **{target: raw})
    assert via_alias != load_config(environ={})


# ------------------------------------------------------------------ substitution


def test_var_substitution_with_defaults(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(
        tmp_path,
        "observability:\n"
        "  service:\n"
        "    name: svc-${REGION}-${TIER:-blue}\n"
        "    version: ${EMPTY:-9.9}\n"
        "    environment: x${EMPTY-unused}y\n"
        "  phoenix:\n"
        "    project_name: ${UNSET_PROJECT:-fallback}\n",
    )
    env = {"REGION": "eu", "EMPTY": ""}
    cfg = load_config(path, environ=env)
    assert cfg.service_name == "svc-eu-blue"
    assert cfg.service_version == "9.9"  # ":-" also replaces an empty value
    assert cfg.deployment_environment == "xy"  # "-" only replaces an unset one
    assert cfg.phoenix.project_name == "fallback"
    assert not _warnings(caplog)


def test_unset_var_without_default_warns_and_is_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "service:\n  version: ${NOT_SET_ANYWHERE}\n")
    with caplog.at_level(logging.WARNING):
        cfg = load_config(path, environ={})
    assert cfg.service_version is None
    assert any("NOT_SET_ANYWHERE" in m for m in _warnings(caplog))


def test_no_substitution_in_comments(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(
        tmp_path,
        "# endpoint: ${COMMENTED_OUT_VAR}\nservice:\n  name: plain  # not ${ALSO_COMMENTED}\n",
    )
    with caplog.at_level(logging.WARNING):
        cfg = load_config(path, environ={})
    assert cfg.service_name == "plain"
    assert not _warnings(caplog)


def test_substituted_values_are_parsed_like_literals(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tracing:\n  sampling:\n    strategy: ${S}\n    rate: ${R}\n"
        "  exporter:\n    headers:\n      api-key: ${KEY}\n",
    )
    cfg = load_config(path, environ={"S": "probabilistic", "R": "0.2", "KEY": SECRET})
    assert cfg.sampling.strategy == "parentbased_traceidratio"
    assert cfg.sampling.ratio == 0.2
    assert cfg.otlp.headers == {"api-key": SECRET}


# ------------------------------------------------------------------ unknown keys, file errors


def test_unknown_yaml_keys_warn_with_their_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(
        tmp_path,
        "observability:\n  tracing:\n    exporterr:\n      type: console\n"
        "    sampling:\n      strategyy: adaptive\n  colour: blue\n  service:\n    name: ok\n",
    )
    with caplog.at_level(logging.WARNING):
        cfg = load_config(path, environ={})
    messages = _warnings(caplog)
    assert cfg.service_name == "ok"
    for key in ("tracing.exporterr", "tracing.sampling.strategyy", "colour"):
        assert sum(f"'{key}'" in m for m in messages) == 1, messages
    assert len(messages) == 3


def test_other_top_level_sections_are_ignored_under_observability(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path, "server:\n  port: 8080\nobservability:\n  service_name: gw\n")
    with caplog.at_level(logging.WARNING):
        assert load_config(path, environ={}).service_name == "gw"
    assert not _warnings(caplog)


def test_non_mapping_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_config(_write(tmp_path, "- a\n- b\n"), environ={})


# ------------------------------------------------------------------ durations


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("60s", 60.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("250us", 0.00025),
        ("1.5s", 1.5),
        (2, 2.0),
    ],
)
def test_durations(raw: object, seconds: float) -> None:
    cfg = load_config(environ={}, export_breaker_reset_timeout_s=raw)
    assert cfg.export.breaker_reset_timeout_s == pytest.approx(seconds)


def test_bare_env_durations_are_milliseconds_per_otel_spec() -> None:
    cfg = load_config(
        environ={
            "OTEL_BSP_SCHEDULE_DELAY": "5000",
            "OTEL_BSP_EXPORT_TIMEOUT": "30s",
            "OTEL_METRIC_EXPORT_INTERVAL": "500ms",
        }
    )
    assert cfg.batch.schedule_delay_s == 5.0
    assert cfg.batch.export_timeout_s == 30.0
    assert cfg.metrics.export_interval_s == 0.5


@pytest.mark.parametrize("raw", ["fast", "-1s", "10 parsecs", True])
def test_bad_duration_kwarg(raw: object) -> None:
    with pytest.raises(ConfigError, match="batch_schedule_delay_s"):
        load_config(environ={}, batch_schedule_delay_s=raw)


# ------------------------------------------------------------------ derived rules


def test_sampler_arg_maps_per_strategy() -> None:
    ratio = load_config(
        environ={"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}
    )
    assert (ratio.sampling.ratio, ratio.sampling.parent_based) == (0.1, False)
    limited = load_config(
        environ={"OTEL_TRACES_SAMPLER": "rate_limited", "OTEL_TRACES_SAMPLER_ARG": "25"}
    )
    assert limited.sampling.max_per_second == 25.0
    adaptive = load_config(
        environ={"OTEL_TRACES_SAMPLER": "adaptive", "OTEL_TRACES_SAMPLER_ARG": "40"}
    )
    assert adaptive.sampling.target_per_second == 40.0


def test_sampler_arg_above_one_for_a_ratio_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        cfg = load_config(
            environ={
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG": "5",
            }
        )
    assert cfg.sampling.ratio == 1.0
    assert any("OTEL_TRACES_SAMPLER_ARG" in m for m in _warnings(caplog))


@pytest.mark.parametrize(
    ("seed_name", "otel_name"),
    [
        ("always", "parentbased_always_on"),
        ("never", "parentbased_always_off"),
        ("probabilistic", "parentbased_traceidratio"),
        ("rate-limited", "rate_limited"),
        ("ADAPTIVE", "adaptive"),
    ],
)
def test_seed_sampler_names(seed_name: str, otel_name: str) -> None:
    assert load_config(environ={"OTEL_TRACES_SAMPLER": seed_name}).sampling.strategy == otel_name


def test_capture_rules() -> None:
    cfg = load_config(
        environ={"MCP_LLM_TRACE_CAPTURE_CONTENT": "true", "OPENINFERENCE_HIDE_INPUTS": "true"}
    )
    assert cfg.capture.prompts is False
    assert cfg.capture.completions is True
    assert cfg.scrubbing_enabled  # scrubbing follows content capture unless set
    off = load_config(
        environ={"MCP_LLM_TRACE_CAPTURE_CONTENT": "true", "OTEL_SANITIZE_PII": "false"}
    )
    assert not off.scrubbing_enabled
    assert not load_config(environ={}).scrubbing_enabled


def test_tracing_disabled_means_no_trace_exporter() -> None:
    cfg = load_config(environ={}, tracing_enabled=False, traces_exporter="otlp")
    assert cfg.traces_exporter == ("none",)


def test_sensitive_fields_extend_the_builtin_list() -> None:
    cfg = load_config(environ={}, privacy_sensitive_fields=["My-Field"])
    assert "my-field" in cfg.privacy.sensitive_fields
    assert "authorization" in cfg.privacy.sensitive_fields


# ------------------------------------------------------------------ secrets


def test_secrets_never_appear_in_warnings_errors_or_to_dict(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a malformed headers value whose bad fragment is the secret itself
    malformed = f"authorization=Bearer {SECRET},{SECRET}"
    path = _write(tmp_path, f"tracing:\n  exporter:\n    headers:\n      api-key: {SECRET}\n")
    with caplog.at_level(logging.WARNING):
        cfg = load_config(path, environ={"OTEL_EXPORTER_OTLP_HEADERS": malformed})
        load_config(_write(tmp_path, f"tracing:\n  exporter:\n    headers: {SECRET}\n"), environ={})
    assert cfg.otlp.headers == {"api-key": SECRET}  # the file value stays in effect
    assert len(_warnings(caplog)) == 2
    assert SECRET not in caplog.text
    with pytest.raises(ConfigError) as err:
        load_config(environ={}, otlp_headers=malformed)
    assert SECRET not in str(err.value)
    assert err.value.__cause__ is None or SECRET not in str(err.value.__cause__)
    flat = cfg.to_dict()
    assert flat["otlp.headers"] == {"api-key": "***"}
    assert SECRET not in repr(flat)
    assert SECRET in repr(cfg.to_dict(mask_secrets=False))


# ------------------------------------------------------------------ the seed files


def test_seed_environment_env_loads_as_written(caplog: pytest.LogCaptureFixture) -> None:
    env = parse_env_file(SEED / "environment.env")
    with caplog.at_level(logging.WARNING):
        cfg = load_config(environ=env)
    assert not _warnings(caplog)
    assert cfg.enabled is True
    assert cfg.service_name == "mcp-gateway"
    assert cfg.service_version == "1.4.0"
    assert cfg.deployment_environment == "production"
    assert cfg.traces_exporter == ("otlp",)
    assert cfg.otlp.endpoint == "https://collector.example.com:4317"
    assert cfg.otlp.protocol == "grpc"
    assert cfg.otlp.headers == {"api-key": "secret"}
    assert cfg.otlp.insecure is False
    assert cfg.sampling.strategy == "parentbased_traceidratio"
    assert cfg.sampling.ratio == 0.1
    assert cfg.resource_attributes == {
        "tenant.id": "acme",
        "region": "us-east-1",
        "cluster": "prod-1",
    }
    assert (cfg.batch.max_queue_size, cfg.batch.max_export_batch_size) == (2048, 512)
    assert cfg.batch.schedule_delay_s == 5.0
    assert cfg.span_attribute_value_length_limit == 12000
    assert cfg.attribute_value_length_limit == 1200
    assert cfg.privacy.sanitize_pii is True
    assert cfg.scrubbing_enabled


def test_seed_observability_yaml_loads_as_written(caplog: pytest.LogCaptureFixture) -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_API_KEY": SECRET}
    with caplog.at_level(logging.WARNING):
        cfg = load_config(SEED / "observability.yaml", environ=env)
    assert not _warnings(caplog)
    assert cfg.enabled and cfg.tracing_enabled
    assert cfg.traces_exporter == ("otlp",)
    assert cfg.otlp.endpoint == "http://collector:4318"
    assert cfg.otlp.headers == {"api-key": SECRET}
    assert cfg.sampling.strategy == "adaptive"
    assert cfg.sampling.ratio == 0.1
    assert cfg.sampling.max_per_second == 100.0
    assert cfg.propagators == ("tracecontext", "baggage", "b3multi")
    assert cfg.metrics.enabled
    assert cfg.metrics.export_interval_s == 60.0
    assert cfg.metrics.collectors == (
        CollectorConfig("system", True, 30.0),
        CollectorConfig("http", True, 30.0),
        CollectorConfig("database", True, 30.0),
    )
    assert cfg.logs.enabled is False
    assert cfg.privacy.sanitize_pii is True
    for name in ("password", "api_key", "token", "ssn", "credit_card"):
        assert name in cfg.privacy.sensitive_fields
    assert [p.replacement for p in cfg.privacy.mask_patterns] == ["[EMAIL]", "[SSN]"]
    assert isinstance(cfg.privacy.mask_patterns[0], MaskPattern)
    assert re.search(cfg.privacy.mask_patterns[1].regex, "id 123-45-6789")


def test_seed_yaml_without_its_variables_warns_but_loads(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        cfg = load_config(SEED / "observability.yaml", environ={})
    assert cfg.otlp.endpoint is None  # the default endpoint then applies
    messages = _warnings(caplog)
    assert any("OTEL_API_KEY" in m for m in messages)
    assert any("OTEL_EXPORTER_OTLP_ENDPOINT" in m for m in messages)


def test_seed_env_overrides_seed_yaml() -> None:
    env = parse_env_file(SEED / "environment.env")
    cfg = load_config(SEED / "observability.yaml", environ=env)
    assert cfg.sampling.strategy == "parentbased_traceidratio"  # env beats the file's adaptive
    assert cfg.otlp.endpoint == "https://collector.example.com:4317"
    assert cfg.otlp.headers == {"api-key": "secret"}
    assert cfg.propagators == ("tracecontext", "baggage", "b3multi")  # file only
