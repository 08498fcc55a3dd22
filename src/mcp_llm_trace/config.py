"""Configuration: :class:`TelemetryConfig`, loaded from kwargs > environment > YAML > defaults.

Every setting is declared once in :data:`SETTINGS` (``_settings.py``): its canonical key,
its parser, its default, the environment variables that set it and the YAML paths
(the seed gateway's ``observability:`` file format plus our own extensions) that set it.
The loader below is generic over that table, so adding a setting is one line there.

Error policy (OpenTelemetry's): a bad value passed in code raises :class:`ConfigError`
naming the field and what is allowed; a bad value in the environment or the file logs one
warning naming the variable/key and falls back to the default. Unknown YAML keys warn.

Example::

    from mcp_llm_trace.config import load_config
    cfg = load_config(service_name="gateway", traces_exporter="console")
    assert cfg.service_name == "gateway"
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from mcp_llm_trace._settings import (
    DEFAULT_METRIC_DIMENSIONS,
    DEFAULT_PII_PROFILE,
    DEFAULT_SENSITIVE_FIELDS,
    PII_PROFILES,
    SETTINGS,
    ConfigError,
    Setting,
)

logger = logging.getLogger("mcp_llm_trace.config")

__all__ = [
    "AttributionConfig",
    "BatchConfig",
    "BudgetConfig",
    "CaptureConfig",
    "CollectorConfig",
    "ConfigError",
    "ExportConfig",
    "LogsConfig",
    "MaskPattern",
    "MetricsConfig",
    "OtlpConfig",
    "PhoenixConfig",
    "PricingConfig",
    "PrivacyConfig",
    "SamplingConfig",
    "TelemetryConfig",
    "load_config",
]


@dataclass(frozen=True)
class OtlpConfig:
    """OTLP exporter settings (``OTEL_EXPORTER_OTLP_*``; per-signal ``_TRACES_`` wins)."""

    endpoint: str | None = None
    traces_endpoint: str | None = None
    protocol: str = "http/protobuf"
    headers: Mapping[str, str] = field(default_factory=dict)
    insecure: bool | None = None
    certificate: str | None = None
    client_key: str | None = None
    client_certificate: str | None = None
    compression: str | None = None
    timeout_s: float = 10.0


@dataclass(frozen=True)
class SamplingConfig:
    """Sampler choice. ``strategy`` is an OTel sampler name or ``rate_limited``/``adaptive``."""

    strategy: str = "parentbased_always_on"
    arg: float | None = None
    ratio: float = 1.0
    max_per_second: float = 100.0
    target_per_second: float = 100.0
    parent_based: bool = True


@dataclass(frozen=True)
class BatchConfig:
    """Batch span processor sizes (``OTEL_BSP_*``)."""

    max_queue_size: int = 2048
    max_export_batch_size: int = 512
    schedule_delay_s: float = 5.0
    export_timeout_s: float = 30.0


@dataclass(frozen=True)
class CaptureConfig:
    """Which content categories are recorded on spans (sizes/counts always are)."""

    content: bool = False
    prompts: bool | None = None
    completions: bool | None = None
    tool_io: bool | None = None
    documents: bool | None = None
    embeddings_vectors: bool = False
    hide_inputs: bool = False
    hide_outputs: bool = False
    max_span_bytes: int = 131072

    @property
    def any(self) -> bool:
        """True when at least one content category is captured."""
        return bool(self.prompts or self.completions or self.tool_io or self.documents)


@dataclass(frozen=True)
class CollectorConfig:
    """One of the seed's metric collectors (``system``, ``http``, ``database``)."""

    name: str
    enabled: bool = True
    interval_s: float = 30.0


@dataclass(frozen=True)
class MetricsConfig:
    """Metrics pipeline settings."""

    enabled: bool = True
    exporter: str = "auto"
    export_interval_s: float = 60.0
    prometheus_host: str = "127.0.0.1"
    prometheus_port: int = 9464
    collectors: tuple[CollectorConfig, ...] = ()
    dimensions: tuple[str, ...] = DEFAULT_METRIC_DIMENSIONS
    max_values_per_dimension: int = 100


@dataclass(frozen=True)
class LogsConfig:
    """Log correlation and (optional) OTel log export."""

    enabled: bool = False
    correlation: bool = True
    exporter: str = "auto"


@dataclass(frozen=True)
class MaskPattern:
    """A user regex and its replacement (the seed's ``mask_patterns`` entries)."""

    regex: str
    replacement: str = "[REDACTED]"


@dataclass(frozen=True)
class PrivacyConfig:
    """PII/secret scrubbing settings (``data_privacy:`` in the seed YAML)."""

    sanitize_pii: bool | None = None  # None = on whenever content capture is on
    sensitive_fields: tuple[str, ...] = DEFAULT_SENSITIVE_FIELDS
    mask_patterns: tuple[MaskPattern, ...] = ()
    profile: str = DEFAULT_PII_PROFILE  # minimal | default | strict (PII_PROFILES)
    entities: tuple[str, ...] | None = None  # None = the profile's list
    threshold: float = 0.35
    ner: bool = False
    allow_list: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "IN")
    presidio: bool = True
    pseudonymize: bool = False
    pseudonym_secret: str | None = None
    time_budget_ms: float = 2000.0
    workers: int = 0  # scrub worker processes next to the export thread (0 = none)

    def __post_init__(self) -> None:
        if self.profile not in PII_PROFILES:
            raise ConfigError(
                f"unknown privacy profile {self.profile!r}; expected one of "
                + ", ".join(PII_PROFILES)
            )

    @property
    def effective_entities(self) -> tuple[str, ...]:
        """The PII entities in effect: ``entities`` when set, else the profile's list."""
        return PII_PROFILES[self.profile] if self.entities is None else self.entities

    @property
    def entities_from_profile(self) -> bool:
        """Whether the entity list is the profile's (not listed explicitly)."""
        return self.entities is None


@dataclass(frozen=True)
class ExportConfig:
    """Reliability of the export path: disk spool, circuit breaker, file exporter."""

    spool_dir: str | None = None
    spool_max_mb: float = 256.0
    spool_fsync: bool = False
    breaker_failure_threshold: int = 5
    breaker_reset_timeout_s: float = 1.0
    breaker_max_open_s: float = 5.0
    file_path: str = "./traces"
    file_max_mb: float = 64.0


@dataclass(frozen=True)
class PhoenixConfig:
    """Arize Phoenix exporter preset."""

    endpoint: str = "http://127.0.0.1:6006"
    project_name: str = "default"
    api_key: str | None = None


@dataclass(frozen=True)
class BudgetConfig:
    """A quota: ``scope`` is ``tenant`` or ``user``; limit in tokens and/or USD."""

    scope: str
    id: str
    period: str = "day"
    tokens: int | None = None
    usd: str | None = None


@dataclass(frozen=True)
class PricingConfig:
    """Extra price files layered over the shipped table, and quotas."""

    files: tuple[str, ...] = ()
    budgets: tuple[BudgetConfig, ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class AttributionConfig:
    """Which W3C baggage keys may become span attributes (never arbitrary baggage)."""

    baggage_keys: tuple[str, ...] = ("user.id", "session.id", "tenant.id")


@dataclass(frozen=True)
class TelemetryConfig:
    """The effective configuration. Build it with :func:`load_config` or ``configure()``.

    Frozen: derive variants with :meth:`evolve`.
    """

    enabled: bool = True
    tracing_enabled: bool = True
    service_name: str = "unknown_service"
    service_version: str | None = None
    deployment_environment: str | None = None
    resource_attributes: Mapping[str, str] = field(default_factory=dict)
    traces_exporter: tuple[str, ...] = ("otlp",)
    otlp: OtlpConfig = field(default_factory=OtlpConfig)
    zipkin_endpoint: str = "http://localhost:9411/api/v2/spans"
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    propagators: tuple[str, ...] = ("tracecontext", "baggage")
    batch: BatchConfig = field(default_factory=BatchConfig)
    attribute_value_length_limit: int | None = None
    span_attribute_value_length_limit: int | None = None
    semconv: str = "both"
    capture: CaptureConfig = field(default_factory=CaptureConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    logs: LogsConfig = field(default_factory=LogsConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    phoenix: PhoenixConfig = field(default_factory=PhoenixConfig)
    pricing: PricingConfig = field(default_factory=PricingConfig)
    attribution: AttributionConfig = field(default_factory=AttributionConfig)
    config_file: str | None = None

    @property
    def scrubbing_enabled(self) -> bool:
        """Effective PII switch: explicit ``sanitize_pii`` or, when unset, content capture."""
        if self.privacy.sanitize_pii is None:
            return self.capture.any
        return self.privacy.sanitize_pii

    def evolve(self, **changes: Any) -> TelemetryConfig:
        """A copy with top-level fields replaced."""
        return replace(self, **changes)

    def get(self, key: str) -> Any:
        """Value of a dotted setting key, e.g. ``cfg.get("otlp.endpoint")``."""
        obj: Any = self
        for part in SETTINGS[key].attr.split("."):
            obj = getattr(obj, part)
        return obj

    def to_dict(self, *, mask_secrets: bool = True) -> dict[str, Any]:
        """Flat ``{setting key: value}`` view; header values and secrets masked."""
        out: dict[str, Any] = {}
        for key, setting in SETTINGS.items():
            value = self.get(key)
            if mask_secrets and setting.secret and value:
                value = _mask(value)
            out[key] = _plain(value)
        return out


def _mask(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict.fromkeys(value, "***")
    return "***"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


# --------------------------------------------------------------------------- loading

#: Short keyword names accepted by configure()/load_config() besides the canonical ones.
KWARG_ALIASES = {
    "exporter": "traces_exporter",
    "exporters": "traces_exporter",
    "sampler": "sampling_strategy",
    "sanitize_pii": "privacy_sanitize_pii",
    "spool_dir": "export_spool_dir",
    "project_name": "phoenix_project_name",
    "endpoint": "otlp_endpoint",
    "headers": "otlp_headers",
}

_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def substitute_env(text: str, environ: Mapping[str, str]) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}`` (``${VAR-default}`` too) from ``environ``.

    An unset ``${VAR}`` without default becomes the empty string (a warning is logged).
    """

    def repl(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = environ.get(name)
        if value is None or (value == "" and ":-" in m.group(0)):
            if default is None:
                logger.warning("config file: ${%s} is not set; using an empty value", name)
                return ""
            return default
        return value

    return _VAR_RE.sub(repl, text)


def _substitute_tree(node: Any, environ: Mapping[str, str]) -> Any:
    """Apply :func:`substitute_env` to every string in a parsed YAML tree (not comments)."""
    if isinstance(node, str):
        return substitute_env(node, environ) if "${" in node else node
    if isinstance(node, dict):
        return {k: _substitute_tree(v, environ) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute_tree(v, environ) for v in node]
    return node


def _read_yaml(path: str, environ: Mapping[str, str]) -> dict[str, Any]:
    import yaml

    raw = Path(path).read_text(encoding="utf-8")
    data = _substitute_tree(yaml.safe_load(raw) or {}, environ)
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: top level must be a mapping")
    root = data.get("observability", data)
    if not isinstance(root, dict):
        raise ConfigError(f"config file {path}: 'observability' must be a mapping")
    return root


def _flatten_yaml(root: Mapping[str, Any], path: str, source: str) -> dict[str, tuple[Any, str]]:
    """Map YAML values onto setting keys. Returns ``{setting key: (value, yaml path)}``."""
    by_path: dict[str, str] = {}
    for key, s in SETTINGS.items():
        for p in s.yaml:
            by_path[p] = key
    prefixes = {p.rsplit(".", i)[0] for p in by_path for i in range(p.count(".") + 1)}
    found: dict[str, tuple[Any, str]] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for k, v in node.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            if p in by_path:
                found.setdefault(by_path[p], (v, p))
            elif isinstance(v, Mapping) and p in prefixes:
                walk(v, p)
            else:
                logger.warning(
                    "%s: unknown key '%s' ignored (typo? see docs/configuration.md)", source, p
                )

    walk(root, "")
    return found


def _env_value(setting: Setting, environ: Mapping[str, str]) -> tuple[str, str] | None:
    for name in setting.env:
        value = environ.get(name)
        if value is not None and value.strip() != "":
            return value, name
    return None


def _reason(setting: Setting, exc: Exception) -> str:
    """Why a value was rejected; parser messages quote the value, so not for secrets."""
    if setting.secret:
        return "malformed value (not shown: it may contain credentials)"
    return str(exc)


def load_config(
    config_file: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> TelemetryConfig:
    """Build the effective :class:`TelemetryConfig`.

    Precedence: ``kwargs`` > environment > YAML file > defaults. The file is
    ``config_file``, else ``$OTEL_CONFIG_FILE``, else ``$MCP_LLM_TRACE_CONFIG``.

    Raises :class:`ConfigError` for unknown or invalid ``kwargs`` (and for a file named
    explicitly that cannot be read); environment and file problems only warn.
    """
    env = os.environ if environ is None else environ
    by_kwarg = {s.kwarg: s for s in SETTINGS.values()}
    for alias, target in KWARG_ALIASES.items():
        by_kwarg[alias] = by_kwarg[target]
    for name in kwargs:
        if name not in by_kwarg:
            close = [k for k in by_kwarg if k.split("_")[0] == name.split("_")[0]][:5]
            raise ConfigError(
                f"unknown configuration option {name!r}"
                + (f"; did you mean one of {close}?" if close else "")
            )

    values: dict[str, Any] = {}
    explicit_file = config_file is not None
    path = str(config_file) if config_file is not None else None
    if path is None:
        path = env.get("OTEL_CONFIG_FILE") or env.get("MCP_LLM_TRACE_CONFIG") or None
    if path:
        try:
            root = _read_yaml(path, env)
        except (OSError, ValueError, ConfigError) as exc:
            if explicit_file:
                raise ConfigError(f"cannot load config file {path}: {exc}") from exc
            logger.warning("cannot load config file %s (%s); using defaults", path, exc)
            root = {}
        for key, (raw, ypath) in _flatten_yaml(root, "", f"config file {path}").items():
            setting = SETTINGS[key]
            try:
                values[key] = setting.parse(raw)
            except (ValueError, TypeError) as exc:
                logger.warning(
                    "config file %s: invalid value for '%s' (%s); using the default %r",
                    path,
                    ypath,
                    _reason(setting, exc),
                    setting.default,
                )

    for key, setting in SETTINGS.items():
        hit = _env_value(setting, env)
        if hit is None:
            continue
        raw, var = hit
        try:
            values[key] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            fallback = values.get(key, setting.default)
            logger.warning(
                "environment variable %s=%r is invalid (%s); using %r",
                var,
                "***" if setting.secret else raw,
                _reason(setting, exc),
                _mask(fallback) if setting.secret and fallback else fallback,
            )

    if "traces_exporter" in values and "traces_exporter" not in {by_kwarg[n].key for n in kwargs}:
        values["traces_exporter"] = _known_exporters(values["traces_exporter"])

    for name, raw in kwargs.items():
        setting = by_kwarg[name]
        try:
            if (
                setting.key.endswith("_s")
                and isinstance(raw, (int, float))
                and not isinstance(raw, bool)
            ):
                # In code, a bare number for a duration means seconds (the field's unit);
                # only environment values follow OTel's milliseconds convention.
                if not raw >= 0:  # also rejects NaN
                    raise ValueError(f"expected a duration >= 0 seconds, got {raw!r}")
                values[setting.key] = float(raw)
                continue
            values[setting.key] = setting.parse(raw)
        except (ValueError, TypeError) as exc:
            shown = "'***'" if setting.secret else repr(raw)
            raise ConfigError(f"invalid value for {name}={shown}: {_reason(setting, exc)}") from (
                None if setting.secret else exc
            )

    values["config_file"] = path
    return _build(values)


def _known_exporters(names: tuple[str, ...]) -> tuple[str, ...]:
    """Exporter names from the environment or a file: unknown ones are dropped with a
    warning (a typo there must not take the application down; in code it raises)."""
    from mcp_llm_trace.export.registry import ExporterRegistry

    known = set(ExporterRegistry.names()) | {"none"}
    kept = tuple(n for n in names if n in known)
    for n in names:
        if n not in known:
            logger.warning(
                "unknown trace exporter %r ignored (OTEL_TRACES_EXPORTER / "
                "tracing.exporter.type); known: %s",
                n,
                ", ".join(sorted(known)),
            )
    if not kept:
        default: tuple[str, ...] = SETTINGS["traces_exporter"].default
        return default
    return kept


def _build(values: Mapping[str, Any]) -> TelemetryConfig:
    """Assemble nested dataclasses from ``{setting key: parsed value}``."""
    sections: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for key, value in values.items():
        if key == "config_file":
            top["config_file"] = value
            continue
        attr = SETTINGS[key].attr
        if "." in attr:
            section, name = attr.split(".", 1)
            sections.setdefault(section, {})[name] = value
        else:
            top[attr] = value
    base = TelemetryConfig()
    for section, changes in sections.items():
        top[section] = replace(getattr(base, section), **changes)
    cfg = replace(base, **top)
    return _apply_derived(cfg)


def _apply_derived(cfg: TelemetryConfig) -> TelemetryConfig:
    """Cross-field rules that no single setting can express."""
    cap = cfg.capture

    def resolve(value: bool | None, hidden: bool) -> bool:
        return False if hidden else (cap.content if value is None else value)

    capture = replace(
        cap,
        prompts=resolve(cap.prompts, cap.hide_inputs),
        completions=resolve(cap.completions, cap.hide_outputs),
        tool_io=resolve(cap.tool_io, False),
        documents=resolve(cap.documents, cap.hide_outputs),
    )
    sampling = cfg.sampling
    arg = sampling.arg
    if arg is not None:
        if sampling.strategy == "rate_limited":
            sampling = replace(sampling, max_per_second=max(arg, 0.001))
        elif sampling.strategy == "adaptive":
            sampling = replace(sampling, target_per_second=max(arg, 0.001))
        elif arg <= 1.0:
            sampling = replace(sampling, ratio=arg)
        else:
            logger.warning(
                "OTEL_TRACES_SAMPLER_ARG=%s is not a ratio in [0, 1]; using %s",
                arg,
                sampling.ratio,
            )
    if sampling.strategy.startswith("parentbased_"):
        sampling = replace(sampling, parent_based=True)
    elif sampling.strategy in {"always_on", "always_off", "traceidratio"}:
        sampling = replace(sampling, parent_based=False)
    exporters = cfg.traces_exporter if cfg.tracing_enabled else ("none",)
    # User-listed sensitive fields extend the built-in list: never weaken privacy by listing.
    default_fields = PrivacyConfig().sensitive_fields
    fields_ = tuple(dict.fromkeys((*default_fields, *cfg.privacy.sensitive_fields)))
    privacy = replace(cfg.privacy, sensitive_fields=fields_)
    return replace(
        cfg, sampling=sampling, capture=capture, traces_exporter=exporters, privacy=privacy
    )
