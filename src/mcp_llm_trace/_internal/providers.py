"""Builders used by ``configure()``: resource, propagators, transforms, meters, logs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from opentelemetry import propagate
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace.export import SpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._version import __version__
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.export.pipeline import SpanTransform

logger = logging.getLogger("mcp_llm_trace")


def build_resource(cfg: TelemetryConfig) -> Resource:
    """service.name/version, deployment.environment.name, OTEL_RESOURCE_ATTRIBUTES, Phoenix
    project name; explicit values win over the environment detector."""
    attrs: dict[str, str] = dict(cfg.resource_attributes)
    attrs["service.name"] = cfg.service_name
    if cfg.service_version:
        attrs["service.version"] = cfg.service_version
    if cfg.deployment_environment:
        attrs["deployment.environment.name"] = cfg.deployment_environment
        attrs["deployment.environment"] = cfg.deployment_environment  # older backends
    if "phoenix" in cfg.traces_exporter:
        attrs[sc.OPENINFERENCE_PROJECT_NAME] = cfg.phoenix.project_name
    attrs["mcp_llm_trace.version"] = __version__
    return Resource.create(attrs)


def install_propagators(names: tuple[str, ...]) -> None:
    """Set the global text-map propagator from ``OTEL_PROPAGATORS`` names."""
    from opentelemetry.baggage.propagation import W3CBaggagePropagator
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    props: list[TextMapPropagator] = []
    for name in names:
        if name == "tracecontext":
            props.append(TraceContextTextMapPropagator())
        elif name == "baggage":
            props.append(W3CBaggagePropagator())
        elif name in ("b3", "b3multi"):
            from opentelemetry.propagators.b3 import B3MultiFormat, B3SingleFormat

            props.append(B3SingleFormat() if name == "b3" else B3MultiFormat())
    propagate.set_global_textmap(CompositePropagator(props))


def wrap_exporter(exporter: SpanExporter, cfg: TelemetryConfig, name: str) -> SpanExporter:
    """Put the circuit breaker + spool around a destination (not around memory/console)."""
    if name in ("memory", "console"):
        return exporter
    try:
        from mcp_llm_trace.export.resilience import ResilientExporter
    except ImportError:  # pragma: no cover - transitional until the module lands
        return exporter
    return ResilientExporter(exporter, cfg, name)


def build_transforms(cfg: TelemetryConfig) -> list[SpanTransform]:
    """Export-thread transforms in order: enrichment (tokens/cost), scrubbing, size budget."""
    out: list[SpanTransform] = []
    if cfg.pricing.enabled:
        try:
            from mcp_llm_trace.pricing.enrich import CostEnrichmentTransform

            out.append(CostEnrichmentTransform(cfg))
        except ImportError:  # pragma: no cover - transitional
            pass
    if cfg.scrubbing_enabled:
        from mcp_llm_trace.privacy.transform import ScrubTransform

        out.append(ScrubTransform(cfg))
    from mcp_llm_trace.export.budget import SizeBudgetTransform

    out.append(SizeBudgetTransform(cfg.capture.max_span_bytes))
    return out


def _metric_reader(cfg: TelemetryConfig) -> Any:
    kind = cfg.metrics.exporter
    if kind == "auto":
        kind = "otlp" if any(n in ("otlp", "jaeger") for n in cfg.traces_exporter) else "none"
    if not cfg.metrics.enabled or kind == "none":
        return None
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        InMemoryMetricReader,
        PeriodicExportingMetricReader,
    )

    interval_ms = cfg.metrics.export_interval_s * 1000
    if kind == "memory":
        return InMemoryMetricReader()
    if kind == "console":
        return PeriodicExportingMetricReader(ConsoleMetricExporter(), interval_ms)
    from mcp_llm_trace.export.otlp import build_otlp_metric_exporter

    return PeriodicExportingMetricReader(build_otlp_metric_exporter(cfg), interval_ms)


def build_meter_provider(cfg: TelemetryConfig, resource: Resource) -> Any:
    """An SDK MeterProvider with the configured reader, or a no-op one."""
    from opentelemetry.metrics import NoOpMeterProvider

    reader = _metric_reader(cfg)
    if reader is None:
        return NoOpMeterProvider()
    from opentelemetry.sdk.metrics import MeterProvider

    provider = MeterProvider(resource=resource, metric_readers=[reader])
    provider._mcp_llm_trace_reader = reader  # type: ignore[attr-defined]
    from mcp_llm_trace._internal.collectors import install_collectors

    install_collectors(cfg, provider)
    return provider


def build_logging(
    cfg: TelemetryConfig, resource: Resource, cleanups: list[Callable[[], None]]
) -> Any:
    """Log correlation (record factory) and optional OTel log export."""
    from mcp_llm_trace.logs import install_log_correlation, install_log_export

    if cfg.logs.correlation:
        cleanups.append(install_log_correlation())
    if cfg.logs.enabled:
        provider, undo = install_log_export(cfg, resource)
        cleanups.append(undo)
        return provider
    return None
