"""Builders used by ``configure()``: resource, propagators, transforms, meters, logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry import propagate
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._version import __version__
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.export.pipeline import SpanTransform
from mcp_llm_trace.metrics import MetricsCollector

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
    from mcp_llm_trace.export.resilience import ResilientExporter

    def on_state_change(dest: str, old: Any, new: Any) -> None:
        BREAKER_STATES[dest] = str(getattr(new, "value", new))

    BREAKER_STATES[name] = "closed"
    wrapped = ResilientExporter(exporter, cfg, name, on_state_change=on_state_change)
    if wrapped.spool is not None:
        SPOOLS[name] = wrapped.spool
    else:
        SPOOLS.pop(name, None)
    return wrapped


#: Current circuit-breaker state per destination (read by the state gauge).
BREAKER_STATES: dict[str, str] = {}
_STATE_VALUE = {"closed": 0.0, "half_open": 1.0, "open": 2.0}


def breaker_observations() -> list[tuple[float, Mapping[str, Any]]]:
    """``mcp_llm_trace.export.circuit_breaker.state``: 0 closed, 1 half-open, 2 open."""
    return [(_STATE_VALUE.get(s, 0.0), {"exporter": d}) for d, s in BREAKER_STATES.items()]


#: The disk spool per destination (read by the spool gauges); absent without a spool.
SPOOLS: dict[str, Any] = {}


def spool_observations(what: str) -> Callable[[], list[tuple[float, Mapping[str, Any]]]]:
    """Gauge callback for ``mcp_llm_trace.export.spool.{usage,limit,spans}``: bytes on
    disk, the size cap in bytes, or spans waiting, per destination with a spool."""

    def observe() -> list[tuple[float, Mapping[str, Any]]]:
        out: list[tuple[float, Mapping[str, Any]]] = []
        for dest, spool in list(SPOOLS.items()):
            if what == "usage":
                value = float(spool.size_bytes())
            elif what == "limit":
                value = float(spool.max_bytes)
            else:
                value = float(spool.pending_spans())
            out.append((value, {"exporter": dest}))
        return out

    return observe


def build_transforms(
    cfg: TelemetryConfig,
    custom: list[SpanTransform] | None = None,
    metrics: MetricsCollector | None = None,
) -> list[SpanTransform]:
    """Export-thread transforms in order: counterpart keys on other libraries' LLM spans
    (so pricing sees their usage), enrichment (tokens/cost, quotas), custom ones,
    scrubbing, size budget."""
    from mcp_llm_trace.export.budget import SizeBudgetTransform
    from mcp_llm_trace.interop.counterparts import CounterpartTransform
    from mcp_llm_trace.pricing.enrich import CostEnrichmentTransform

    out: list[SpanTransform] = [CounterpartTransform(cfg)]
    quota = None
    if cfg.pricing.budgets:
        from mcp_llm_trace.pricing.quota import QuotaTracker

        quota = QuotaTracker(cfg.pricing.budgets)
        if metrics is not None:
            # Fixed, budget-defined label keys: past the dimension allow-list (which
            # would strip them and merge every budget into one series).
            MetricsCollector(metrics.meter, dimensions=None).observable_gauge(
                "mcp_llm_trace.quota.utilization",
                lambda: [(f, {"quota.scope": s, "quota.id": i}) for s, i, f in quota.utilization()],
                description="Fraction of the tenant/user budget used in the current window",
            )
    cost = CostEnrichmentTransform(cfg, on_cost=_cost_callback(metrics, quota))
    out.append(QuotaEventTransform(cost, quota) if quota is not None else cost)
    out.extend(custom or ())
    if cfg.scrubbing_enabled:
        from mcp_llm_trace.privacy.transform import ScrubTransform

        out.append(ScrubTransform(cfg))
    out.append(SizeBudgetTransform(cfg.capture.max_span_bytes))
    return out


def _cost_callback(metrics: MetricsCollector | None, quota: Any) -> Any:
    counter = metrics.instrument("cost") if metrics is not None else None

    def on_cost(cost: Any, usage: Any, attrs: Mapping[str, Any]) -> None:
        if counter is not None and metrics is not None and cost.priced:
            dims = {k: attrs[k] for k in _COST_DIMS if k in attrs}
            metrics.add(counter, float(cost.total), dims)
        if quota is not None:
            quota.on_cost(cost, usage, attrs)

    return on_cost


_COST_DIMS = (sc.TENANT_ID, sc.USER_ID, sc.GEN_AI_REQUEST_MODEL, sc.GEN_AI_PROVIDER_NAME)


class QuotaEventTransform:
    """Runs cost enrichment span by span and adds a ``mcp_llm_trace.quota.threshold``
    event to the span whose cost made a budget cross 80 %/100 %."""

    name = "cost_enrichment"

    def __init__(self, inner: Any, quota: Any) -> None:
        self.inner = inner
        self.quota = quota

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Enrich each span; attach threshold events where a budget was crossed."""
        from opentelemetry.sdk.trace import Event

        from mcp_llm_trace._internal.spancopy import copy_span

        out: list[ReadableSpan] = []
        for span in spans:
            (done,) = self.inner.transform([span])
            crossings = self.quota.drain_crossings()
            if crossings:
                events = list(done.events)
                for c in crossings:
                    events.append(
                        Event(
                            "mcp_llm_trace.quota.threshold",
                            {
                                "quota.scope": c.scope,
                                "quota.id": c.id,
                                "quota.period": c.period,
                                "quota.threshold": c.threshold,
                                "quota.utilization": c.fraction,
                            },
                        )
                    )
                    logger.warning(
                        "mcp-llm-trace: %s %r used %.0f%% of its %s budget",
                        c.scope,
                        c.id,
                        c.fraction * 100,
                        c.period,
                    )
                done = copy_span(done, events=events)
            out.append(done)
        return out


def _metric_readers(cfg: TelemetryConfig) -> list[Any]:
    kinds = [k for k in cfg.metrics.exporter.split(",") if k]
    if kinds == ["auto"]:
        kinds = ["otlp" if any(n in ("otlp", "jaeger") for n in cfg.traces_exporter) else "none"]
    if not cfg.metrics.enabled or kinds == ["none"]:
        return []
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        InMemoryMetricReader,
        PeriodicExportingMetricReader,
    )

    interval_ms = cfg.metrics.export_interval_s * 1000
    readers: list[Any] = []
    for kind in kinds:
        if kind == "memory":
            readers.append(InMemoryMetricReader())
        elif kind == "console":
            readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter(), interval_ms))
        elif kind == "prometheus":
            reader = _prometheus_reader(cfg)
            if reader is not None:
                readers.append(reader)
        elif kind == "otlp":
            from mcp_llm_trace.export.otlp import build_otlp_metric_exporter

            readers.append(
                PeriodicExportingMetricReader(build_otlp_metric_exporter(cfg), interval_ms)
            )
    return readers


def _prometheus_reader(cfg: TelemetryConfig) -> Any:
    """A pull reader plus its ``/metrics`` HTTP server; None (logged) when unavailable."""
    try:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import (
            GC_COLLECTOR,
            PLATFORM_COLLECTOR,
            PROCESS_COLLECTOR,
            CollectorRegistry,
            start_http_server,
        )
    except ImportError:
        logger.warning(
            "mcp-llm-trace: metrics exporter 'prometheus' needs the extra: "
            "pip install 'mcp-llm-trace[prometheus]'; Prometheus metrics are off"
        )
        return None
    # A registry per reader, not prometheus_client's global one: a second configure()
    # (or a stopped provider) must not leave its series on the endpoint twice.
    registry = CollectorRegistry()
    for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
        registry.register(collector)

    class LatestOnlyReader(PrometheusMetricReader):
        """Keeps only the newest collection. Upstream queues every collection until the
        next scrape, so a ``force_flush()`` between scrapes made each series appear twice
        in one scrape (cumulative data: the newest one is all a scrape needs)."""

        def _receive_metrics(self, metrics_data: Any, *args: Any, **kwargs: Any) -> None:
            if metrics_data is not None:
                self._collector._metrics_datas.clear()
                self._collector.add_metrics_data(metrics_data)

    reader = LatestOnlyReader(registry=registry)
    try:
        server, _thread = start_http_server(
            cfg.metrics.prometheus_port, addr=cfg.metrics.prometheus_host, registry=registry
        )
    except OSError as exc:
        logger.warning(
            "mcp-llm-trace: cannot serve Prometheus metrics on %s:%s (%s); they are off",
            cfg.metrics.prometheus_host,
            cfg.metrics.prometheus_port,
            exc,
        )
        return None
    reader._mcp_llm_trace_server = server  # type: ignore[attr-defined]
    reader._mcp_llm_trace_port = server.server_address[1]  # type: ignore[attr-defined]
    return reader


def prometheus_port(meter_provider: Any) -> int | None:
    """The bound port of the Prometheus scrape endpoint of ``meter_provider``, if any."""
    for reader in getattr(meter_provider, "_mcp_llm_trace_readers", ()):
        port = getattr(reader, "_mcp_llm_trace_port", None)
        if port is not None:
            return int(port)
    return None


def stop_prometheus(meter_provider: Any) -> None:
    """Close the scrape endpoint's HTTP server (called at shutdown)."""
    for reader in getattr(meter_provider, "_mcp_llm_trace_readers", ()):
        server = getattr(reader, "_mcp_llm_trace_server", None)
        if server is not None:
            server.shutdown()
            server.server_close()


def build_meter_provider(cfg: TelemetryConfig, resource: Resource) -> Any:
    """An SDK MeterProvider with the configured reader, or a no-op one."""
    from opentelemetry.metrics import NoOpMeterProvider

    readers = _metric_readers(cfg)
    if not readers:
        return NoOpMeterProvider()
    from opentelemetry.sdk.metrics import MeterProvider

    provider = MeterProvider(resource=resource, metric_readers=readers)
    # The first reader (tests read the in-memory one through this attribute).
    provider._mcp_llm_trace_reader = readers[0]  # type: ignore[attr-defined]
    provider._mcp_llm_trace_readers = readers  # type: ignore[attr-defined]
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
