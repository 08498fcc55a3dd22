"""Scrubbing for OTel log export: a wrapping exporter (runs in the export thread).

Wire it between the ``BatchLogRecordProcessor`` and the real exporter, so the work
happens in the processor's worker thread, never where ``logger.info`` is called::

    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    exporter = ScrubbingLogExporter(OTLPLogExporter(), Scrubber.from_config(cfg))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))

Bodies (strings or JSON-like values) and attributes are scrubbed with the same rules as
span attributes; a record that cannot be scrubbed is exported with ``[SCRUB_FAILED]``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult

from mcp_llm_trace import semconv
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.privacy.scrubber import SCRUB_FAILED_TEXT, Scrubber

__all__ = ["ScrubbingLogExporter", "scrub_log_record"]


def scrub_log_record(record: ReadableLogRecord, scrubber: Scrubber) -> ReadableLogRecord:
    """A copy of ``record`` with body and attributes scrubbed (fail closed per value)."""
    from mcp_llm_trace.privacy.transform import _SpanScrub

    inner = copy.copy(record.log_record)
    state = _SpanScrub(scrubber, float("inf"))
    counts: Counter[str] = Counter()
    try:
        inner.body = scrubber.scrub_value_counted(inner.body, counts)
    except Exception as exc:
        report_internal_error("privacy.scrub_log_body", exc, reraise=False)
        inner.body = SCRUB_FAILED_TEXT if inner.body is not None else None
        state.failed += 1
    attrs, _ = state.attributes(dict(record.log_record.attributes or {}))
    counts.update(state.counts)
    total = sum(counts.values())
    if total:
        attrs[semconv.SCRUB_REDACTIONS] = total
        attrs[semconv.SCRUB_TYPES] = tuple(sorted(counts))
        for entity, n in counts.items():
            STATS.count_redactions(entity, n)
    if state.failed:
        attrs[semconv.SCRUB_FAILED] = state.failed
    inner.attributes = attrs
    if hasattr(inner, "exception"):
        inner.exception = None  # its text is already in exception.* attributes (scrubbed)
    return dataclasses.replace(record, log_record=inner)


class ScrubbingLogExporter(LogRecordExporter):
    """Scrubs each log record, then hands the batch to ``inner``. Export thread only."""

    def __init__(self, inner: LogRecordExporter, scrubber: Scrubber) -> None:
        self.inner = inner
        self.scrubber = scrubber

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        """Scrub then export; a record whose scrubbing fails loses its content, not its slot."""
        out: list[ReadableLogRecord] = []
        for record in batch:
            try:
                out.append(scrub_log_record(record, self.scrubber))
            except Exception as exc:
                report_internal_error("privacy.scrub_log", exc, reraise=False)
                out.append(_blank_record(record))
        result: LogRecordExportResult = self.inner.export(out)
        return result

    def shutdown(self) -> None:
        """Shut the wrapped exporter down."""
        self.inner.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return bool(self.inner.force_flush(timeout_millis))


def _blank_record(record: ReadableLogRecord) -> ReadableLogRecord:
    inner = copy.copy(record.log_record)
    inner.body = SCRUB_FAILED_TEXT if inner.body is not None else None
    attrs: dict[str, Any] = {semconv.SCRUB_FAILED: 1}
    inner.attributes = attrs
    if hasattr(inner, "exception"):
        inner.exception = None
    return dataclasses.replace(record, log_record=inner)
