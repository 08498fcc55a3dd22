"""The one table of settings: key, parser, default, environment variables, YAML paths.

Environment-variable names and YAML paths appear nowhere else in the package.
``docs/configuration.md`` is checked against this table by the test-suite.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(ValueError):
    """A configuration value passed in code is invalid (names the field and what is allowed)."""


Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Setting:
    """One configuration setting."""

    key: str  # canonical dotted key, e.g. "otlp.endpoint"
    attr: str  # attribute path in TelemetryConfig, e.g. "otlp.endpoint"
    kwarg: str  # keyword accepted by configure()/load_config()
    parse: Parser
    default: Any
    env: tuple[str, ...] = ()
    yaml: tuple[str, ...] = ()
    doc: str = ""
    secret: bool = False


#: Defaults shared by the settings table and the config dataclasses.
DEFAULT_SENSITIVE_FIELDS: tuple[str, ...] = (
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "token",
    "access_token",
    "refresh_token",
    "authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "ssn",
    "credit_card",
)
#: The PII entities of each ``privacy.profile`` (docs/privacy.md, "Profiles"). Secrets are
#: always scrubbed, whatever the profile; ``privacy.entities`` replaces the list.
PII_PROFILES: dict[str, tuple[str, ...]] = {
    # Only the identifiers that are never ambiguous and always personal.
    "minimal": ("EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN"),
    # Plus identifiers with an unambiguous format, a checksum, or a context word.
    "default": (
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "US_SSN",
        "IBAN_CODE",
        "IP_ADDRESS",
        "MAC_ADDRESS",
        "CRYPTO",
        "UK_NINO",
        "UK_NHS",
        "US_MBI",
        "US_NPI",
        "US_ITIN",
        "ABA_ROUTING_NUMBER",
        "US_DRIVER_LICENSE",
    ),
}
PII_PROFILES["strict"] = (
    *PII_PROFILES["default"],
    # Context-anchored; and Presidio's checksum-only recognizers also run on bare numbers.
    "US_BANK_NUMBER",
    "US_PASSPORT",
    "UK_PASSPORT",
    "UK_DRIVING_LICENCE",
    # Names and places: only when a spaCy model is installed (the [ner] extra).
    "PERSON",
    "LOCATION",
)
DEFAULT_PII_PROFILE = "default"
DEFAULT_PII_ENTITIES: tuple[str, ...] = PII_PROFILES[DEFAULT_PII_PROFILE]
DEFAULT_METRIC_DIMENSIONS: tuple[str, ...] = (
    "tenant.id",
    "user.id",
    "gen_ai.request.model",
    "gen_ai.provider.name",
    "gen_ai.operation.name",
    "gen_ai.token.type",
    "gen_ai.tool.name",
    "mcp.method.name",
    "error.type",
)

# ------------------------------------------------------------------ parsers

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def parse_bool(value: Any) -> bool:
    """``true/false/1/0/yes/no/on/off`` (any case) or a bool."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def parse_opt_bool(value: Any) -> bool | None:
    """A boolean, or ``None``/``auto`` for 'decide automatically'."""
    if value is None or (isinstance(value, str) and value.strip().lower() in {"", "auto"}):
        return None
    return parse_bool(value)


def parse_str(value: Any) -> str:
    """A non-empty string."""
    if isinstance(value, (dict, list, tuple)) or value is None:
        raise ValueError(f"expected a string, got {value!r}")
    text = str(value).strip()
    if not text:
        raise ValueError("expected a non-empty string")
    return text


def parse_opt_str(value: Any) -> str | None:
    """A string, or ``None`` when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def int_between(lo: int, hi: int | None = None) -> Parser:
    """Integer parser with bounds."""

    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
        if number < lo or (hi is not None and number > hi):
            raise ValueError(f"expected an integer in [{lo}, {hi if hi is not None else '∞'}]")
        return number

    return parse


def opt_int_between(lo: int) -> Parser:
    """Integer parser with lower bound, ``None`` for empty."""
    inner = int_between(lo)

    def parse(value: Any) -> int | None:
        if value is None or str(value).strip() == "":
            return None
        return int(inner(value))

    return parse


def float_between(lo: float, hi: float | None = None) -> Parser:
    """Float parser with bounds (NaN rejected)."""

    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
        if math.isnan(number) or number < lo or (hi is not None and number > hi):
            raise ValueError(f"expected a number in [{lo}, {hi if hi is not None else '∞'}]")
        return number

    return parse


_DURATION_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h|us|µs)?\s*$")
_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(default_unit: str) -> Parser:
    """Duration in seconds from ``"60s"``, ``"500ms"``, ``"2m"`` or a bare number in
    ``default_unit`` (OTel env vars such as ``OTEL_BSP_SCHEDULE_DELAY`` are milliseconds)."""

    def parse(value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"expected a duration, got {value!r}")
        m = _DURATION_RE.match(str(value))
        if not m:
            raise ValueError(f"expected a duration like 60s or 500ms, got {value!r}")
        number = float(m.group(1))
        return number * _UNITS[m.group(2) or default_unit]

    return parse


def choice(*allowed: str, aliases: Mapping[str, str] | None = None) -> Parser:
    """One of ``allowed`` (case-insensitive), with optional aliases."""
    alias = {k.lower(): v for k, v in (aliases or {}).items()}

    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        text = alias.get(text, text)
        if text not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}; got {value!r}")
        return text

    return parse


_METRIC_EXPORTERS = ("auto", "otlp", "console", "memory", "prometheus", "none")


def metric_exporters(value: Any) -> str:
    """``metrics.exporter``: one name, a comma list (``otlp,prometheus``) or a YAML list."""
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    items = [str(t).strip().lower() for t in parts if str(t).strip()]
    if not items:
        raise ValueError(f"expected one of {', '.join(_METRIC_EXPORTERS)}; got {value!r}")
    for item in items:
        if item not in _METRIC_EXPORTERS:
            raise ValueError(f"expected one of {', '.join(_METRIC_EXPORTERS)}; got {item!r}")
    if len(items) > 1 and ("auto" in items or "none" in items):
        raise ValueError(f"'auto'/'none' cannot be combined with other exporters; got {value!r}")
    return ",".join(dict.fromkeys(items))


def parse_list(value: Any) -> tuple[str, ...]:
    """Comma-separated string or a YAML list of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(f"expected a list or comma-separated string, got {value!r}")
    return tuple(v for v in items if v)


def parse_opt_list(value: Any) -> tuple[str, ...] | None:
    """Like :func:`parse_list`, but ``None`` (unset) stays ``None``; ``[]`` is a list."""
    return None if value is None else parse_list(value)


def parse_lower_list(value: Any) -> tuple[str, ...]:
    """Like :func:`parse_list`, lower-cased."""
    return tuple(v.lower() for v in parse_list(value))


def parse_propagators(value: Any) -> tuple[str, ...]:
    """OTel propagator names; ``none`` means no propagation."""
    allowed = {"tracecontext", "baggage", "b3", "b3multi", "none"}
    items = parse_lower_list(value)
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ValueError(f"unknown propagator(s) {bad}; allowed: {sorted(allowed)}")
    return tuple(v for v in items if v != "none")


def parse_map(value: Any) -> dict[str, str]:
    """``k1=v1,k2=v2`` (values URL-decoded, as the OTel spec says) or a mapping."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k).strip(): "" if v is None else str(v) for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError(f"expected key=value pairs, got {value!r}")
    out: dict[str, str] = {}
    for part in value.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"expected key=value, got {part.strip()!r}")
        k, v = part.split("=", 1)
        out[urllib.parse.unquote(k.strip())] = urllib.parse.unquote(v.strip())
    return out


def parse_strategy(value: Any) -> str:
    """OTel sampler names plus ``rate_limited``/``adaptive``; seed aliases accepted."""
    return str(_STRATEGY(value))


_STRATEGY = choice(
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
    "rate_limited",
    "adaptive",
    aliases={
        "always": "parentbased_always_on",
        "never": "parentbased_always_off",
        "probabilistic": "parentbased_traceidratio",
        "ratio": "parentbased_traceidratio",
        "rate-limited": "rate_limited",
        "ratelimited": "rate_limited",
    },
)


def parse_mask_patterns(value: Any) -> tuple[Any, ...]:
    """The seed's ``mask_patterns``: list of ``{regex, replacement}``; regexes compiled now."""
    from mcp_llm_trace.config import MaskPattern

    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError("mask_patterns must be a list of {regex, replacement}")
    out = []
    for item in value:
        if isinstance(item, MaskPattern):
            pattern = item
        elif isinstance(item, Mapping) and "regex" in item:
            pattern = MaskPattern(str(item["regex"]), str(item.get("replacement", "[REDACTED]")))
        else:
            raise ValueError(f"mask pattern needs a 'regex': {item!r}")
        try:
            re.compile(pattern.regex)
        except re.error as exc:
            raise ValueError(f"invalid regex {pattern.regex!r}: {exc}") from None
        out.append(pattern)
    return tuple(out)


def parse_collectors(value: Any) -> tuple[Any, ...]:
    """The seed's ``metrics.collectors``: names or ``{name, enabled, interval}``."""
    from mcp_llm_trace.config import CollectorConfig

    known = {"system", "http", "database"}
    if isinstance(value, str):
        value = parse_list(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError("collectors must be a list")
    out = []
    for item in value:
        if isinstance(item, CollectorConfig):
            out.append(item)
            continue
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or "name" not in item:
            raise ValueError(f"collector needs a name: {item!r}")
        name = str(item["name"]).lower()
        if name not in known:
            raise ValueError(f"unknown collector {name!r}; known: {sorted(known)}")
        out.append(
            CollectorConfig(
                name=name,
                enabled=parse_bool(item.get("enabled", True)),
                interval_s=duration("s")(item.get("interval", "30s")),
            )
        )
    return tuple(out)


def parse_budgets(value: Any) -> tuple[Any, ...]:
    """Quota list: ``{scope: tenant|user, id, period: day|month, tokens?, usd?}``."""
    from decimal import Decimal, InvalidOperation

    from mcp_llm_trace.config import BudgetConfig

    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError("budgets must be a list")
    out = []
    for item in value:
        if isinstance(item, BudgetConfig):
            out.append(item)
            continue
        if not isinstance(item, Mapping) or "id" not in item:
            raise ValueError(f"budget needs scope and id: {item!r}")
        scope = choice("tenant", "user")(item.get("scope", "tenant"))
        period = choice("day", "month")(item.get("period", "day"))
        tokens = item.get("tokens")
        usd = item.get("usd")
        if tokens is None and usd is None:
            raise ValueError(f"budget {item['id']!r} needs tokens or usd")
        if usd is not None:
            try:
                Decimal(str(usd))
            except InvalidOperation:
                raise ValueError(f"budget usd must be a decimal, got {usd!r}") from None
        out.append(
            BudgetConfig(
                scope=scope,
                id=str(item["id"]),
                period=period,
                tokens=None if tokens is None else int_between(1)(tokens),
                usd=None if usd is None else str(usd),
            )
        )
    return tuple(out)


EXPORTER_ALIASES = {"otlp_proto_grpc": "otlp", "otlp_proto_http": "otlp", "inmemory": "memory"}


def parse_exporters(value: Any) -> tuple[str, ...]:
    """Exporter names (comma list). Validated against the registry at setup time."""
    items = tuple(EXPORTER_ALIASES.get(v, v) for v in parse_lower_list(value))
    if not items:
        raise ValueError("expected at least one exporter name (use 'none' to disable)")
    return items


# ------------------------------------------------------------------ the table

_OTLP = "OTEL_EXPORTER_OTLP_"


def _otlp_env(suffix: str) -> tuple[str, ...]:
    return (f"{_OTLP}TRACES_{suffix}", f"{_OTLP}{suffix}")


def _s(
    key: str,
    parse: Parser,
    default: Any,
    env: tuple[str, ...] = (),
    yaml: tuple[str, ...] = (),
    doc: str = "",
    *,
    attr: str | None = None,
    kwarg: str | None = None,
    secret: bool = False,
) -> Setting:
    return Setting(
        key=key,
        attr=attr or key,
        kwarg=kwarg or key.replace(".", "_"),
        parse=parse,
        default=default,
        env=env,
        yaml=yaml,
        doc=doc,
        secret=secret,
    )


_LIST: list[Setting] = [
    # --- core
    _s(
        "enabled",
        parse_bool,
        True,
        ("OTEL_ENABLE_OBSERVABILITY", "MCP_LLM_TRACE_ENABLED"),
        ("enabled",),
        "Master switch. false = nothing installed, helpers are no-ops.",
    ),
    _s(
        "tracing_enabled",
        parse_bool,
        True,
        (),
        ("tracing.enabled",),
        "false = no trace exporter (metrics/logs may still run).",
        attr="tracing_enabled",
    ),
    _s(
        "service_name",
        parse_str,
        "unknown_service",
        ("OTEL_SERVICE_NAME",),
        ("service.name", "service_name"),
        "service.name resource attribute.",
    ),
    _s(
        "service_version",
        parse_opt_str,
        None,
        ("OTEL_SERVICE_VERSION",),
        ("service.version", "service_version"),
        "service.version resource attribute.",
    ),
    _s(
        "deployment_environment",
        parse_opt_str,
        None,
        ("OTEL_DEPLOYMENT_ENVIRONMENT",),
        ("service.environment", "deployment_environment"),
        "deployment.environment.name resource attribute.",
    ),
    _s(
        "resource_attributes",
        parse_map,
        {},
        ("OTEL_RESOURCE_ATTRIBUTES",),
        ("resource.attributes", "resource_attributes"),
        "Extra resource attributes k=v,...",
    ),
    # --- traces
    _s(
        "traces_exporter",
        parse_exporters,
        ("otlp",),
        ("OTEL_TRACES_EXPORTER",),
        ("tracing.exporter.type",),
        "otlp|phoenix|jaeger|zipkin|console|file|memory|none or a registered name; comma list.",
    ),
    _s(
        "zipkin_endpoint",
        parse_str,
        "http://localhost:9411/api/v2/spans",
        ("OTEL_EXPORTER_ZIPKIN_ENDPOINT",),
        ("tracing.exporter.zipkin_endpoint",),
        "Zipkin JSON v2 endpoint.",
    ),
    _s(
        "otlp.endpoint",
        parse_opt_str,
        None,
        (f"{_OTLP}ENDPOINT",),
        ("tracing.exporter.endpoint",),
        "OTLP base endpoint (http: /v1/traces is appended). Default localhost:4317/4318.",
    ),
    _s(
        "otlp.traces_endpoint",
        parse_opt_str,
        None,
        (f"{_OTLP}TRACES_ENDPOINT",),
        (),
        "Signal-specific OTLP endpoint, used as is.",
    ),
    _s(
        "otlp.protocol",
        choice("grpc", "http/protobuf", aliases={"http": "http/protobuf"}),
        "http/protobuf",
        _otlp_env("PROTOCOL"),
        ("tracing.exporter.protocol",),
        "grpc or http/protobuf.",
    ),
    _s(
        "otlp.headers",
        parse_map,
        {},
        _otlp_env("HEADERS"),
        ("tracing.exporter.headers",),
        "Headers (auth) k=v,...; values are never logged.",
        secret=True,
    ),
    _s(
        "otlp.insecure",
        parse_opt_bool,
        None,
        _otlp_env("INSECURE"),
        ("tracing.exporter.insecure",),
        "gRPC: plaintext instead of TLS.",
    ),
    _s(
        "otlp.certificate",
        parse_opt_str,
        None,
        _otlp_env("CERTIFICATE"),
        ("tracing.exporter.certificate", "tracing.exporter.tls.ca_file"),
        "CA bundle (PEM).",
    ),
    _s(
        "otlp.client_key",
        parse_opt_str,
        None,
        _otlp_env("CLIENT_KEY"),
        ("tracing.exporter.client_key", "tracing.exporter.tls.client_key"),
        "mTLS key (PEM).",
    ),
    _s(
        "otlp.client_certificate",
        parse_opt_str,
        None,
        _otlp_env("CLIENT_CERTIFICATE"),
        ("tracing.exporter.client_certificate", "tracing.exporter.tls.client_certificate"),
        "mTLS certificate (PEM).",
    ),
    _s(
        "otlp.compression",
        choice("gzip", "none", "deflate"),
        None,
        _otlp_env("COMPRESSION"),
        ("tracing.exporter.compression",),
        "gzip|deflate|none.",
    ),
    _s(
        "otlp.timeout_s",
        duration("ms"),
        10.0,
        _otlp_env("TIMEOUT"),
        ("tracing.exporter.timeout",),
        "Export timeout (env: milliseconds, per the OTel spec).",
    ),
    _s(
        "sampling.strategy",
        parse_strategy,
        "parentbased_always_on",
        ("OTEL_TRACES_SAMPLER",),
        ("tracing.sampling.strategy",),
        "always_on|always_off|traceidratio|parentbased_*|rate_limited|adaptive "
        "(seed: always|probabilistic).",
    ),
    _s(
        "sampling.arg",
        float_between(0.0),
        None,
        ("OTEL_TRACES_SAMPLER_ARG",),
        (),
        "Ratio for *traceidratio, spans/s for rate_limited and adaptive.",
    ),
    _s(
        "sampling.ratio",
        float_between(0.0, 1.0),
        1.0,
        (),
        ("tracing.sampling.rate",),
        "Probabilistic sampling ratio.",
    ),
    _s(
        "sampling.max_per_second",
        float_between(0.001),
        100.0,
        (),
        ("tracing.sampling.max_per_second",),
        "rate_limited: max sampled traces/s.",
    ),
    _s(
        "sampling.target_per_second",
        float_between(0.001),
        100.0,
        (),
        ("tracing.sampling.target_per_second",),
        "adaptive: target sampled traces/s.",
    ),
    _s(
        "propagators",
        parse_propagators,
        ("tracecontext", "baggage"),
        ("OTEL_PROPAGATORS",),
        ("tracing.propagators",),
        "tracecontext,baggage,b3,b3multi,none.",
    ),
    _s(
        "batch.max_queue_size",
        int_between(1),
        2048,
        ("OTEL_BSP_MAX_QUEUE_SIZE",),
        ("tracing.batch.max_queue_size",),
        "Spans buffered before drops (counted).",
    ),
    _s(
        "batch.max_export_batch_size",
        int_between(1),
        512,
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE",),
        ("tracing.batch.max_export_batch_size",),
        "Spans per export call.",
    ),
    _s(
        "batch.schedule_delay_s",
        duration("ms"),
        5.0,
        ("OTEL_BSP_SCHEDULE_DELAY",),
        ("tracing.batch.schedule_delay",),
        "Delay between exports (env: ms).",
    ),
    _s(
        "batch.export_timeout_s",
        duration("ms"),
        30.0,
        ("OTEL_BSP_EXPORT_TIMEOUT",),
        ("tracing.batch.export_timeout",),
        "Max time for one export (env: ms).",
    ),
    _s(
        "attribute_value_length_limit",
        opt_int_between(1),
        None,
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",),
        ("limits.attribute_value_length",),
        "General attribute value length limit.",
    ),
    _s(
        "span_attribute_value_length_limit",
        opt_int_between(1),
        None,
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",),
        ("limits.span_attribute_value_length",),
        "Span attribute value length limit (wins over the general one).",
    ),
    _s(
        "semconv",
        choice("both", "openinference", "genai"),
        "both",
        ("MCP_LLM_TRACE_SEMCONV",),
        ("tracing.semconv",),
        "Attribute conventions: both|openinference|genai.",
    ),
    # --- content capture
    _s(
        "capture.content",
        parse_bool,
        False,
        ("MCP_LLM_TRACE_CAPTURE_CONTENT", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"),
        ("tracing.capture.content",),
        "Master switch for content capture (not vectors).",
    ),
    _s(
        "capture.prompts",
        parse_opt_bool,
        None,
        ("MCP_LLM_TRACE_CAPTURE_PROMPTS",),
        ("tracing.capture.prompts",),
        "Capture prompts/input messages.",
    ),
    _s(
        "capture.completions",
        parse_opt_bool,
        None,
        ("MCP_LLM_TRACE_CAPTURE_COMPLETIONS",),
        ("tracing.capture.completions",),
        "Capture completions/output messages.",
    ),
    _s(
        "capture.tool_io",
        parse_opt_bool,
        None,
        ("MCP_LLM_TRACE_CAPTURE_TOOL_IO",),
        ("tracing.capture.tool_io",),
        "Capture tool arguments and results.",
    ),
    _s(
        "capture.documents",
        parse_opt_bool,
        None,
        ("MCP_LLM_TRACE_CAPTURE_DOCUMENTS",),
        ("tracing.capture.documents",),
        "Capture retrieved document contents.",
    ),
    _s(
        "capture.embeddings_vectors",
        parse_bool,
        False,
        ("MCP_LLM_TRACE_CAPTURE_EMBEDDINGS_VECTORS",),
        ("tracing.capture.embeddings_vectors",),
        "Capture embedding vectors (large).",
    ),
    _s(
        "capture.hide_inputs",
        parse_bool,
        False,
        ("OPENINFERENCE_HIDE_INPUTS", "OPENINFERENCE_HIDE_INPUT_MESSAGES"),
        (),
        "OpenInference switch honoured: hide inputs.",
    ),
    _s(
        "capture.hide_outputs",
        parse_bool,
        False,
        ("OPENINFERENCE_HIDE_OUTPUTS", "OPENINFERENCE_HIDE_OUTPUT_MESSAGES"),
        (),
        "OpenInference switch honoured: hide outputs.",
    ),
    _s(
        "capture.max_span_bytes",
        int_between(1024),
        131072,
        ("MCP_LLM_TRACE_MAX_SPAN_BYTES",),
        ("tracing.capture.max_span_bytes",),
        "Per-span content budget; message contents are trimmed first.",
    ),
    # --- metrics
    _s(
        "metrics.enabled",
        parse_bool,
        True,
        ("MCP_LLM_TRACE_METRICS_ENABLED",),
        ("metrics.enabled",),
        "Metrics on/off.",
    ),
    _s(
        "metrics.exporter",
        metric_exporters,
        "auto",
        ("OTEL_METRICS_EXPORTER",),
        ("metrics.exporter",),
        "auto = otlp when traces go to otlp, else none; comma list of "
        "otlp|console|memory|prometheus|none (e.g. otlp,prometheus).",
    ),
    _s(
        "metrics.prometheus_host",
        parse_str,
        "127.0.0.1",
        ("OTEL_EXPORTER_PROMETHEUS_HOST",),
        ("metrics.prometheus.host",),
        "Bind address of the Prometheus scrape endpoint (needs the prometheus extra).",
    ),
    _s(
        "metrics.prometheus_port",
        int_between(0, 65535),
        9464,
        ("OTEL_EXPORTER_PROMETHEUS_PORT",),
        ("metrics.prometheus.port",),
        "Port of the Prometheus scrape endpoint (/metrics); 0 = any free port.",
    ),
    _s(
        "metrics.export_interval_s",
        duration("ms"),
        60.0,
        ("OTEL_METRIC_EXPORT_INTERVAL",),
        ("metrics.export_interval",),
        "Metric export interval (env: ms).",
    ),
    _s(
        "metrics.collectors",
        parse_collectors,
        (),
        (),
        ("metrics.collectors",),
        "system|http|database collectors.",
    ),
    _s(
        "metrics.dimensions",
        parse_list,
        DEFAULT_METRIC_DIMENSIONS,
        ("MCP_LLM_TRACE_METRIC_DIMENSIONS",),
        ("metrics.dimensions",),
        "Allowed metric attribute keys.",
    ),
    _s(
        "metrics.max_values_per_dimension",
        int_between(1),
        100,
        (),
        ("metrics.max_values_per_dimension",),
        "Cardinality cap; overflow becomes 'other'.",
    ),
    # --- logs
    _s(
        "logs.enabled",
        parse_bool,
        False,
        ("MCP_LLM_TRACE_LOGS_ENABLED",),
        ("logs.enabled",),
        "Export stdlib logs as OTel logs.",
    ),
    _s(
        "logs.correlation",
        parse_bool,
        True,
        ("MCP_LLM_TRACE_LOG_CORRELATION",),
        ("logs.correlation",),
        "Add trace_id/span_id to log records.",
    ),
    _s(
        "logs.exporter",
        choice("auto", "otlp", "console", "memory", "none"),
        "auto",
        ("OTEL_LOGS_EXPORTER",),
        ("logs.exporter",),
        "Log exporter.",
    ),
    # --- privacy
    _s(
        "privacy.sanitize_pii",
        parse_opt_bool,
        None,
        ("OTEL_SANITIZE_PII",),
        ("data_privacy.sanitize_pii",),
        "Scrub PII/secrets before export (default: on with content capture).",
    ),
    _s(
        "privacy.sensitive_fields",
        parse_lower_list,
        DEFAULT_SENSITIVE_FIELDS,
        (),
        ("data_privacy.sensitive_fields",),
        "Keys whose values are always masked.",
    ),
    _s(
        "privacy.mask_patterns",
        parse_mask_patterns,
        (),
        (),
        ("data_privacy.mask_patterns",),
        "Extra {regex, replacement} masks.",
    ),
    _s(
        "privacy.profile",
        choice(*PII_PROFILES),
        DEFAULT_PII_PROFILE,
        ("MCP_LLM_TRACE_PII_PROFILE", "MCP_LLM_TRACE_PRIVACY_PROFILE"),
        ("data_privacy.profile",),
        "PII entity set: minimal, default or strict (docs/privacy.md, Profiles).",
    ),
    _s(
        "privacy.entities",
        parse_opt_list,
        None,
        ("MCP_LLM_TRACE_PII_ENTITIES",),
        ("data_privacy.entities",),
        "PII entities; when set, replaces the profile's list ([] = secrets only).",
    ),
    _s(
        "privacy.threshold",
        float_between(0.0, 1.0),
        0.35,
        ("MCP_LLM_TRACE_PII_THRESHOLD",),
        ("data_privacy.threshold",),
        "Presidio score threshold.",
    ),
    _s(
        "privacy.ner",
        parse_bool,
        False,
        ("MCP_LLM_TRACE_PII_NER",),
        ("data_privacy.ner",),
        "Use the spaCy NER model ([ner] extra) for PERSON/LOCATION.",
    ),
    _s(
        "privacy.allow_list",
        parse_list,
        (),
        (),
        ("data_privacy.allow_list",),
        "Values never redacted.",
    ),
    _s(
        "privacy.languages",
        parse_list,
        ("en",),
        (),
        ("data_privacy.languages",),
        "Presidio languages.",
    ),
    _s(
        "privacy.phone_regions",
        parse_list,
        ("US", "GB", "DE", "FR", "IN"),
        (),
        ("data_privacy.phone_regions",),
        "Phone number regions.",
    ),
    _s(
        "privacy.presidio",
        parse_bool,
        True,
        ("MCP_LLM_TRACE_PII_PRESIDIO",),
        ("data_privacy.presidio",),
        "Use Presidio (else regex recognizers only).",
    ),
    _s(
        "privacy.pseudonymize",
        parse_bool,
        False,
        (),
        ("data_privacy.pseudonymize",),
        "Stable pseudonyms <EMAIL_3f2a> instead of [EMAIL].",
    ),
    _s(
        "privacy.pseudonym_secret",
        parse_opt_str,
        None,
        ("MCP_LLM_TRACE_PSEUDONYM_SECRET",),
        ("data_privacy.pseudonym_secret",),
        "Key for pseudonyms.",
        secret=True,
    ),
    _s(
        "privacy.time_budget_ms",
        float_between(1.0),
        2000.0,
        (),
        ("data_privacy.time_budget",),
        "Per-span scrub budget; over it values fail closed.",
    ),
    _s(
        "privacy.workers",
        int_between(0, 64),
        0,
        ("MCP_LLM_TRACE_PII_WORKERS",),
        ("data_privacy.workers",),
        "Scrub worker processes sharing each batch with the export thread (0 = none).",
    ),
    # --- export reliability
    _s(
        "export.spool_dir",
        parse_opt_str,
        None,
        ("MCP_LLM_TRACE_SPOOL_DIR",),
        ("export.spool.dir",),
        "Disk spool directory; setting it turns the spool on.",
    ),
    _s(
        "export.spool_max_mb",
        float_between(0.01),
        256.0,
        ("MCP_LLM_TRACE_SPOOL_MAX_MB",),
        ("export.spool.max_mb",),
        "Spool size cap; oldest batches dropped (counted).",
    ),
    _s("export.spool_fsync", parse_bool, False, (), ("export.spool.fsync",), "fsync spool files."),
    _s(
        "export.breaker_failure_threshold",
        int_between(1),
        5,
        (),
        ("export.circuit_breaker.failure_threshold",),
        "Consecutive failures that open.",
    ),
    _s(
        "export.breaker_reset_timeout_s",
        duration("s"),
        1.0,
        (),
        ("export.circuit_breaker.reset_timeout",),
        "First open period without Retry-After; doubles per failed probe.",
    ),
    _s(
        "export.breaker_max_open_s",
        duration("s"),
        5.0,
        ("MCP_LLM_TRACE_BREAKER_MAX_OPEN",),
        ("export.circuit_breaker.max_open",),
        "Cap on any open period (Retry-After and backoff included).",
    ),
    _s(
        "export.file_path",
        parse_str,
        "./traces",
        ("MCP_LLM_TRACE_FILE_PATH",),
        ("export.file.path",),
        "file exporter: directory (or .jsonl file).",
    ),
    _s(
        "export.file_max_mb",
        float_between(0.01),
        64.0,
        (),
        ("export.file.max_mb",),
        "file exporter: rotate at this size.",
    ),
    # --- phoenix
    _s(
        "phoenix.endpoint",
        parse_str,
        "http://127.0.0.1:6006",
        ("PHOENIX_COLLECTOR_ENDPOINT",),
        ("phoenix.endpoint",),
        "Phoenix base URL.",
    ),
    _s(
        "phoenix.project_name",
        parse_str,
        "default",
        ("PHOENIX_PROJECT_NAME",),
        ("phoenix.project_name",),
        "Phoenix project (openinference.project.name).",
    ),
    _s(
        "phoenix.api_key",
        parse_opt_str,
        None,
        ("PHOENIX_API_KEY",),
        ("phoenix.api_key",),
        "Phoenix API key.",
        secret=True,
    ),
    # --- pricing
    _s(
        "pricing.enabled",
        parse_bool,
        True,
        ("MCP_LLM_TRACE_PRICING",),
        ("pricing.enabled",),
        "Compute cost on LLM/embedding spans.",
    ),
    _s(
        "pricing.files",
        parse_list,
        (),
        ("MCP_LLM_TRACE_PRICING_FILES",),
        ("pricing.files",),
        "Extra price YAML files layered on the shipped table.",
    ),
    _s("pricing.budgets", parse_budgets, (), (), ("pricing.budgets",), "Per-tenant/user quotas."),
    # --- attribution
    _s(
        "attribution.baggage_keys",
        parse_list,
        ("user.id", "session.id", "tenant.id"),
        ("MCP_LLM_TRACE_BAGGAGE_KEYS",),
        ("attribution.baggage_keys",),
        "Baggage keys copied to span attributes.",
    ),
]

SETTINGS: dict[str, Setting] = {s.key: s for s in _LIST}
