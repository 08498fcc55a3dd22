"""Log correlation and optional OTel log export.

``install_log_correlation()`` wraps the stdlib log-record factory so every record
carries ``trace_id``, ``span_id`` (hex, empty outside a span) and ``trace_flags``;
use :data:`CORRELATED_FORMAT` or ``%(trace_id)s`` in your own format. It returns an
undo function (``configure()`` calls it at shutdown).

With ``logs.enabled: true`` an OTel ``LoggerProvider`` exports records through the
configured exporter (OTLP, console, memory), after the scrubber when PII sanitising is on.

Example::

    logging.basicConfig(format=mlt.logs.CORRELATED_FORMAT, level=logging.INFO)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource

from mcp_llm_trace.config import TelemetryConfig

CORRELATED_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [trace_id=%(trace_id)s span_id=%(span_id)s] %(message)s"
)


class TraceContextFilter(logging.Filter):
    """A logging filter adding ``trace_id``/``span_id``/``trace_flags`` (for handlers
    you configure yourself, when you prefer a filter to the global record factory)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Stamp the record; never filters anything out."""
        _stamp(record)
        return True


def _stamp(record: logging.LogRecord) -> None:
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        record.trace_id = format(ctx.trace_id, "032x")
        record.span_id = format(ctx.span_id, "016x")
        record.trace_flags = int(ctx.trace_flags)
    else:
        record.trace_id = ""
        record.span_id = ""
        record.trace_flags = 0


def install_log_correlation() -> Callable[[], None]:
    """Add trace ids to every log record created from now on; returns an undo function."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _stamp(record)
        return record

    factory._mcp_llm_trace = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

    def undo() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return undo


def install_log_export(cfg: TelemetryConfig, resource: Resource) -> tuple[Any, Callable[[], None]]:
    """An OTel LoggerProvider + handler on the root logger; returns (provider, undo)."""
    import warnings

    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import (
        BatchLogRecordProcessor,
        ConsoleLogRecordExporter,
        InMemoryLogRecordExporter,
        SimpleLogRecordProcessor,
    )

    provider = LoggerProvider(resource=resource)
    kind = cfg.logs.exporter
    if kind == "auto":
        kind = "otlp" if any(n in ("otlp", "jaeger") for n in cfg.traces_exporter) else "console"
    exporter: Any
    if kind == "memory":
        exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    elif kind == "console":
        exporter = ConsoleLogRecordExporter()
    else:
        from mcp_llm_trace.export.otlp import build_otlp_log_exporter

        exporter = build_otlp_log_exporter(cfg)
    memory = exporter if kind == "memory" else None
    if cfg.scrubbing_enabled:
        # Scrubbing wraps the exporter so Presidio runs in the export thread.
        from mcp_llm_trace.privacy import Scrubber
        from mcp_llm_trace.privacy.logs import ScrubbingLogExporter

        exporter = ScrubbingLogExporter(exporter, Scrubber.from_config(cfg))
    if kind == "memory":
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    else:
        provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    provider._mcp_llm_trace_exporter = memory  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        # The SDK's handler is deprecated in favour of opentelemetry-instrumentation-logging,
        # which we do not depend on; it still works, and users should not see the warning.
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    root = logging.getLogger()
    root.addHandler(handler)

    def undo() -> None:
        root.removeHandler(handler)

    return provider, undo
