"""``configure()``: build the tracer/meter/logger providers from a config; ``Telemetry``.

Pipeline built here (see DESIGN.md "Flow")::

    TracerProvider(sampler, resource, limits)
      ├─ AttributionProcessor        on_start: using_attributes + allow-listed baggage
      └─ BatchExportProcessor        on_end: enqueue only (drops counted)
            └─ PipelineExporter      export thread: enrich → scrub → size budget
                  └─ FanoutExporter → ResilientExporter(breaker + spool) → exporter …

If the application already installed an SDK ``TracerProvider`` globally, we attach our
two processors to it instead of replacing it (its sampler and resource stay in charge)
and say so in a log line.

Example::

    import mcp_llm_trace as mlt
    tel = mlt.configure(service_name="gateway", traces_exporter="console")
    ...
    tel.shutdown()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import baggage as otel_baggage
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import Span, SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import runtime
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace._settings import ConfigError
from mcp_llm_trace._version import __version__
from mcp_llm_trace.config import TelemetryConfig, load_config
from mcp_llm_trace.context import _ATTRS, baggage_attributes
from mcp_llm_trace.export.batch import BatchExportProcessor
from mcp_llm_trace.export.pipeline import FanoutExporter, PipelineExporter, SpanTransform
from mcp_llm_trace.export.registry import ExporterRegistry
from mcp_llm_trace.metrics import MetricsCollector

logger = logging.getLogger("mcp_llm_trace")

__all__ = ["AttributionProcessor", "Telemetry", "configure", "get_telemetry", "init_telemetry"]


class AttributionProcessor(SpanProcessor):
    """Adds ``using_attributes`` and allow-listed baggage to every span at start.

    Runs on the caller's thread; cost is one contextvar read plus one baggage read.
    Values the span already has are kept.
    """

    def __init__(self, baggage_keys: tuple[str, ...]) -> None:
        self.baggage_keys = baggage_keys

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Copy attribution onto the span."""
        try:
            attrs = _ATTRS.get()
            if attrs:
                existing = span.attributes or {}
                span.set_attributes({k: v for k, v in attrs.items() if k not in existing})
            elif self.baggage_keys and _has_baggage(parent_context):
                # The common case (no attribution block, no baggage) ends at that test.
                extra = baggage_attributes(parent_context, self.baggage_keys)
                if extra:
                    existing = span.attributes or {}
                    span.set_attributes({k: v for k, v in extra.items() if k not in existing})
        except Exception as exc:
            report_internal_error("processor.attribution", exc)


def _has_baggage(ctx: Context | None) -> bool:
    """Whether ``ctx`` (default: the current context) carries any W3C baggage: one
    context read, not the mapping copy ``baggage.get_all`` makes."""
    if _BAGGAGE_KEY is None:  # pragma: no cover - an API without the private key
        return True
    if ctx is None:
        ctx = otel_context.get_current()
    return bool(ctx.get(_BAGGAGE_KEY))


#: The API's context key for baggage (private; ``None`` disables the shortcut above).
_BAGGAGE_KEY: str | None = getattr(otel_baggage, "_BAGGAGE_KEY", None)


#: Default overall deadline of ``Telemetry.shutdown`` (and of the atexit/SIGTERM hook).
SHUTDOWN_TIMEOUT_S = 5.0


class Telemetry:
    """Handle returned by :func:`configure`: providers, config, flush/shutdown, stats."""

    def __init__(
        self,
        config: TelemetryConfig,
        tracer_provider: trace.TracerProvider,
        meter_provider: Any,
        logger_provider: Any,
        processor: BatchExportProcessor | None,
        metrics: MetricsCollector,
        *,
        owns_provider: bool,
        memory_exporter: Any = None,
        cleanups: list[Any] | None = None,
    ) -> None:
        self.config = config
        self.tracer_provider = tracer_provider
        self.meter_provider = meter_provider
        self.logger_provider = logger_provider
        self.processor = processor
        self.metrics = metrics
        self.owns_provider = owns_provider
        #: The in-memory exporter when ``memory`` is among the exporters (tests).
        self.memory_exporter = memory_exporter
        self._cleanups = cleanups or []
        self._closed = False
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when telemetry is switched off (all helpers are no-ops)."""
        return self.config.enabled

    def get_tracer(self, name: str, version: str | None = None) -> trace.Tracer:
        """A tracer from this handle's provider."""
        return self.tracer_provider.get_tracer(name, version)

    def force_flush(self, timeout_s: float = 30.0) -> bool:
        """Export everything queued now (spans, metrics, logs)."""
        ok = True
        ms = int(timeout_s * 1000)
        if self.processor is not None:
            ok = self.processor.force_flush(ms) and ok
        for provider in (self.meter_provider, self.logger_provider):
            flush = getattr(provider, "force_flush", None)
            if callable(flush):
                try:
                    ok = bool(flush(ms)) and ok
                except Exception as exc:
                    report_internal_error("telemetry.flush", exc, reraise=False)
                    ok = False
        return ok

    def stats(self) -> dict[str, Any]:
        """Counters: ``exported``, ``spooled``, ``replayed``, ``dropped`` (by reason),
        ``internal_errors``, ``redactions``, and ``queue_depth``."""
        snap = STATS.snapshot()
        snap["queue_depth"] = self.processor.queue_depth if self.processor else 0
        return snap

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
        """Export what is queued and stop everything within ``timeout_s`` overall (a dead
        collector cannot hold the process at exit); idempotent. Helpers become no-ops."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        start = time.monotonic()

        def remaining() -> float:
            return max(0.1, timeout_s - (time.monotonic() - start))

        if runtime.HOLDER.current.config is self.config:
            runtime.HOLDER.current = runtime.Runtime()
        if self.processor is not None:
            # The worker drains the whole queue at shutdown: no separate flush needed.
            self.processor.shutdown(timeout_s * 0.7)
        for fn in reversed(self._cleanups):
            try:
                fn()
            except Exception as exc:
                report_internal_error("telemetry.shutdown", exc, reraise=False)
        for provider in (self.meter_provider, self.logger_provider):
            stop = getattr(provider, "shutdown", None)
            if callable(stop):
                try:
                    if provider is self.meter_provider:
                        stop(timeout_millis=remaining() * 1000)
                    else:
                        stop()
                except TypeError:
                    stop()
                except Exception as exc:
                    report_internal_error("telemetry.shutdown", exc, reraise=False)
        summary = _drop_summary(STATS.snapshot())
        if summary:
            logger.warning(summary)
        global _CURRENT
        with _CONFIGURE_LOCK:
            if _CURRENT is self:
                _CURRENT = None

    def __enter__(self) -> Telemetry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def _drop_summary(snap: Mapping[str, Any]) -> str | None:
    try:
        from mcp_llm_trace._internal.shutdown import summarize_drops

        summary: str | None = summarize_drops(dict(snap))
        return summary
    except ImportError:
        dropped = {k: v for k, v in snap.get("dropped", {}).items() if v}
        if not dropped:
            return None
        return f"mcp-llm-trace dropped spans during this run: {dropped}"


_CONFIGURE_LOCK = threading.RLock()
_CURRENT: Telemetry | None = None


def get_telemetry() -> Telemetry | None:
    """The handle from the last :func:`configure`, or None."""
    return _CURRENT


def configure(
    config_file: str | None = None,
    *,
    config: TelemetryConfig | None = None,
    force: bool = False,
    transforms: list[SpanTransform] | None = None,
    **kwargs: Any,
) -> Telemetry:
    """Set up telemetry from kwargs > environment > YAML > defaults; returns the handle.

    Idempotent: a second call warns and returns the same handle unless ``force=True``
    (which shuts the old one down first). ``config`` bypasses loading. ``transforms``
    adds custom export-thread span transforms (e.g. :class:`~mcp_llm_trace.processors.
    SpanEnricher`) after cost enrichment and *before* scrubbing, so what they add is
    scrubbed too.

    Raises :class:`~mcp_llm_trace.config.ConfigError` for bad keyword arguments.
    """
    global _CURRENT
    with _CONFIGURE_LOCK:
        if _CURRENT is not None and not force:
            logger.warning(
                "mcp-llm-trace is already configured; returning the existing handle "
                "(pass force=True to reconfigure)"
            )
            return _CURRENT
        cfg = config if config is not None else load_config(config_file, **kwargs)
        if _CURRENT is not None:
            _CURRENT.shutdown()
        tel = _build(cfg, transforms or [])
        _CURRENT = tel
        return tel


#: Alias with the seed's name.
init_telemetry = configure


def _build(cfg: TelemetryConfig, extra_transforms: list[SpanTransform]) -> Telemetry:
    from opentelemetry.metrics import NoOpMeterProvider

    if not cfg.enabled:
        runtime.HOLDER.current = runtime.Runtime()
        runtime.HOLDER.explicit = True
        return Telemetry(
            cfg,
            trace.NoOpTracerProvider(),
            NoOpMeterProvider(),
            None,
            None,
            MetricsCollector(),
            owns_provider=False,
        )

    from mcp_llm_trace._internal.providers import (
        build_logging,
        build_meter_provider,
        build_resource,
        build_transforms,
        install_propagators,
        stop_prometheus,
        wrap_exporter,
    )

    resource = build_resource(cfg)
    cleanups: list[Any] = []
    install_propagators(cfg.propagators)

    names = [n for n in cfg.traces_exporter if n != "none"]
    memory_exporter = None
    exporters: list[SpanExporter] = []
    for name in names:
        try:
            exp = ExporterRegistry.create(name, cfg)
        except KeyError as exc:
            raise ConfigError(str(exc.args[0])) from None
        except Exception as exc:  # a factory that cannot build (missing extra, bad TLS file…)
            logger.error("mcp-llm-trace: cannot create the %r exporter (%s); skipped", name, exc)
            report_internal_error(f"exporter.create.{name}", exc, reraise=False)
            continue
        if name == "memory":
            memory_exporter = exp
        exporters.append(wrap_exporter(exp, cfg, name))

    meter_provider = build_meter_provider(cfg, resource)
    cleanups.append(lambda: stop_prometheus(meter_provider))
    metrics = MetricsCollector(
        meter_provider.get_meter("mcp_llm_trace", __version__),
        dimensions=cfg.metrics.dimensions,
        max_values_per_dimension=cfg.metrics.max_values_per_dimension,
    )
    procs: list[BatchExportProcessor] = []
    metrics.install_standard(queue_depth=lambda: procs[0].queue_depth if procs else 0)
    from mcp_llm_trace._internal.providers import breaker_observations, spool_observations

    raw_metrics = MetricsCollector(metrics.meter, dimensions=None)
    raw_metrics.observable_gauge(
        "mcp_llm_trace.export.circuit_breaker.state",
        breaker_observations,
        description="Circuit breaker per exporter: 0 closed, 1 half-open, 2 open",
    )
    for what, unit, description in (
        ("usage", "By", "Bytes in the disk spool, per exporter"),
        ("limit", "By", "Size cap of the disk spool (export.spool_max_mb), per exporter"),
        ("spans", "{span}", "Spans waiting in the disk spool, per exporter"),
    ):
        raw_metrics.observable_gauge(
            f"mcp_llm_trace.export.spool.{what}",
            spool_observations(what),
            unit=unit,
            description=description,
        )

    processor: BatchExportProcessor | None = None
    batch = cfg.batch
    if "phoenix" in names and batch.max_queue_size == 2048:
        # Phoenix ingests ~170 spans/s here: a default queue drops half of a burst.
        from dataclasses import replace

        batch = replace(batch, max_queue_size=65536, max_export_batch_size=1024)
    if exporters:
        pipeline = PipelineExporter(
            build_transforms(cfg, extra_transforms, metrics), FanoutExporter(exporters)
        )
        processor = BatchExportProcessor(
            pipeline,
            max_queue_size=batch.max_queue_size,
            max_export_batch_size=batch.max_export_batch_size,
            schedule_delay_s=batch.schedule_delay_s,
            export_timeout_s=batch.export_timeout_s,
        )

        procs.append(processor)

    existing = trace.get_tracer_provider()
    owns = not isinstance(existing, TracerProvider) or _is_ours(existing)
    provider: TracerProvider
    if owns:
        from mcp_llm_trace.sampling import build_sampler

        provider = TracerProvider(
            resource=resource,
            sampler=build_sampler(cfg.sampling),
            span_limits=SpanLimits(
                max_attribute_length=cfg.attribute_value_length_limit,
                max_span_attribute_length=cfg.span_attribute_value_length_limit,
            ),
        )
        provider._mcp_llm_trace = True  # type: ignore[attr-defined]
        _set_global_tracer_provider(provider)
    else:
        assert isinstance(existing, TracerProvider)
        provider = existing
        logger.info(
            "mcp-llm-trace: an SDK TracerProvider is already installed; attaching our "
            "processors to it (its sampler and resource stay in charge)"
        )
    attribution = AttributionProcessor(cfg.attribution.baggage_keys)
    provider.add_span_processor(attribution)
    if processor is not None:
        provider.add_span_processor(processor)

    logger_provider = build_logging(cfg, resource, cleanups)

    tracer = provider.get_tracer("mcp_llm_trace", __version__)
    runtime.HOLDER.current = runtime.Runtime(tracer, cfg, metrics)
    runtime.HOLDER.explicit = True
    tel = Telemetry(
        cfg,
        provider,
        meter_provider,
        logger_provider,
        processor,
        metrics,
        owns_provider=owns,
        memory_exporter=memory_exporter,
        cleanups=cleanups,
    )
    if not owns:
        # Detach both our processors from the foreign provider at shutdown: otherwise
        # its spans keep getting attribution after shutdown, once more per reconfigure.
        ours = (attribution, processor)
        cleanups.append(lambda: _detach(provider, *ours))
    from mcp_llm_trace.processors import attach_queued

    attach_queued(tel)  # processors/enrichers added before configure()
    _register_shutdown(tel)
    _warn_plain_credentials(cfg, names)
    return tel


def _is_ours(provider: trace.TracerProvider) -> bool:
    return bool(getattr(provider, "_mcp_llm_trace", False))


def _set_global_tracer_provider(provider: TracerProvider) -> None:
    # The OTel API allows one global set per process; we re-arm it only when the
    # previous global provider is one we installed ourselves (configure(force=True)).
    from opentelemetry.util._once import Once

    current = trace.get_tracer_provider()
    if _is_ours(current):
        trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace.set_tracer_provider(provider)


def _detach(provider: TracerProvider, *processors: SpanProcessor | None) -> None:
    multi = provider._active_span_processor
    with multi._lock:
        procs = tuple(p for p in multi._span_processors if all(p is not q for q in processors))
        multi._span_processors = procs


def _register_shutdown(tel: Telemetry) -> None:
    try:
        from mcp_llm_trace._internal.shutdown import install_shutdown_hooks
    except ImportError:
        import atexit

        atexit.register(tel.shutdown)
        return
    install_shutdown_hooks(tel.shutdown, SHUTDOWN_TIMEOUT_S)


def _warn_plain_credentials(cfg: TelemetryConfig, names: list[str]) -> None:
    from urllib.parse import urlparse

    if not cfg.otlp.headers or not any(n in ("otlp", "jaeger") for n in names):
        return
    endpoint = cfg.otlp.traces_endpoint or cfg.otlp.endpoint or ""
    url = urlparse(endpoint if "://" in endpoint else f"http://{endpoint}")
    plain = url.scheme == "http" or (cfg.otlp.protocol == "grpc" and cfg.otlp.insecure)
    host = url.hostname or ""
    if plain and host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("127."):
        logger.warning(
            "mcp-llm-trace: sending authentication headers over plain text to %s; "
            "use https (or OTEL_EXPORTER_OTLP_INSECURE=false with TLS)",
            host,
        )


def phoenix_resource_attributes(cfg: TelemetryConfig) -> dict[str, str]:
    """Resource attributes Phoenix reads (project name) when exporting to Phoenix."""
    if "phoenix" in cfg.traces_exporter:
        return {sc.OPENINFERENCE_PROJECT_NAME: cfg.phoenix.project_name}
    return {}
