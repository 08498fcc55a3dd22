"""The export path: transforms run in the export thread, then one or more exporters.

``BatchExportProcessor`` (caller thread: enqueue only) → :class:`PipelineExporter`
(export thread: enrich → scrub → size budget) → :class:`FanoutExporter` →
per-destination resilience wrappers (circuit breaker, spool) → the real exporter.

A transform is any object with ``name`` and ``transform(spans) -> spans``. If it
raises, the pipeline calls its ``fallback(spans, exc)`` when it has one (the scrubber
uses this to fail closed: content replaced by ``[SCRUB_FAILED]``), else passes the
batch through unchanged — a bug in a transform never loses the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.stats import STATS

logger = logging.getLogger("mcp_llm_trace.export")


@runtime_checkable
class SpanTransform(Protocol):
    """Rewrites a batch of ended spans in the export thread. Must be thread-safe."""

    name: str

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Return the (possibly new) spans to export, same order, same count or fewer."""
        ...


class PipelineExporter(SpanExporter):
    """Runs transforms over each batch, then hands it to ``downstream``.

    Called from the export thread only.
    """

    def __init__(self, transforms: Sequence[SpanTransform], downstream: SpanExporter) -> None:
        self.transforms = list(transforms)
        self.downstream = downstream

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        batch: Sequence[ReadableSpan] = spans
        for t in self.transforms:
            try:
                batch = t.transform(batch)
            except Exception as exc:
                fallback = getattr(t, "fallback", None)
                report_internal_error(f"transform.{t.name}", exc, reraise=False)
                batch = fallback(batch, exc) if callable(fallback) else batch
        return self.downstream.export(batch)

    def shutdown(self) -> None:
        for t in self.transforms:
            close = getattr(t, "shutdown", None)
            if callable(close):
                try:
                    close()
                except Exception as exc:
                    report_internal_error(f"transform.{t.name}.shutdown", exc, reraise=False)
        self.downstream.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.downstream.force_flush(timeout_millis)


class FanoutExporter(SpanExporter):
    """Sends each batch to every exporter; SUCCESS when at least the primary succeeded.

    Each child is expected to be wrapped in its own resilience layer, so one dead
    destination cannot starve the others for longer than its timeout.
    """

    def __init__(self, exporters: Sequence[SpanExporter]) -> None:
        self.exporters = list(exporters)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        results = []
        for exp in self.exporters:
            try:
                results.append(exp.export(spans))
            except Exception as exc:
                report_internal_error(f"export.{type(exp).__name__}", exc, reraise=False)
                results.append(SpanExportResult.FAILURE)
        ok = bool(results) and all(r is SpanExportResult.SUCCESS for r in results)
        if ok:
            STATS.add("exported", len(spans))
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        for exp in self.exporters:
            try:
                exp.shutdown()
            except Exception as exc:
                report_internal_error("export.shutdown", exc, reraise=False)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        # None (the SDK base class's result when not overridden) is not a failure.
        return all(exp.force_flush(timeout_millis) is not False for exp in self.exporters)
