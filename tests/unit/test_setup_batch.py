"""BatchExportProcessor: counted drops (queue full, shutdown deadline), force_flush."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.export.batch import BatchExportProcessor


class GatedExporter(SpanExporter):
    """Blocks in export until released (a slow backend); records what it got."""

    def __init__(self, block: bool = False) -> None:
        self.gate = threading.Event()
        if not block:
            self.gate.set()
        self.batches: list[int] = []
        self.names: list[str] = []
        self.entered = threading.Event()
        self.shut = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.entered.set()
        self.gate.wait(10)
        self.batches.append(len(spans))
        self.names += [s.name for s in spans]
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.shut = True


def _provider(processor: BatchExportProcessor, **kwargs: object) -> TracerProvider:
    provider = TracerProvider(**kwargs)  # type: ignore[arg-type]
    provider.add_span_processor(processor)
    return provider


def _emit(provider: TracerProvider, n: int, prefix: str = "s") -> None:
    tracer = provider.get_tracer("t")
    for i in range(n):
        with tracer.start_as_current_span(f"{prefix}{i}"):
            pass


def _dropped(reason: str) -> int:
    return int(STATS.snapshot()["dropped"].get(reason, 0))


def test_force_flush_exports_everything_in_batches() -> None:
    exporter = GatedExporter()
    proc = BatchExportProcessor(
        exporter, max_queue_size=100, max_export_batch_size=10, schedule_delay_s=60
    )
    _emit(_provider(proc), 25)
    assert proc.force_flush(5000) is True
    assert sum(exporter.batches) == 25
    assert max(exporter.batches) <= 10
    assert proc.queue_depth == 0
    proc.shutdown(1)
    assert exporter.shut


def test_full_batch_is_exported_without_waiting_for_the_timer() -> None:
    exporter = GatedExporter()
    proc = BatchExportProcessor(
        exporter, max_queue_size=100, max_export_batch_size=5, schedule_delay_s=60
    )
    _emit(_provider(proc), 5)
    deadline = time.monotonic() + 5
    while not exporter.batches and time.monotonic() < deadline:
        time.sleep(0.01)
    assert exporter.batches == [5]
    proc.shutdown(1)


def test_queue_full_drops_are_counted() -> None:
    exporter = GatedExporter(block=True)
    proc = BatchExportProcessor(
        exporter, max_queue_size=10, max_export_batch_size=5, schedule_delay_s=60
    )
    provider = _provider(proc)
    before = _dropped("queue_full")
    _emit(provider, 5, "first")  # a full batch: the worker takes it and blocks in export
    assert exporter.entered.wait(5)
    _emit(provider, 30, "more")  # 10 fit in the queue, 20 are dropped
    assert _dropped("queue_full") - before == 20
    assert proc.queue_depth == 10
    exporter.gate.set()
    assert proc.force_flush(5000)
    assert len(exporter.names) == 15
    proc.shutdown(1)


def test_shutdown_deadline_drops_are_counted() -> None:
    exporter = GatedExporter(block=True)
    proc = BatchExportProcessor(
        exporter, max_queue_size=100, max_export_batch_size=5, schedule_delay_s=60
    )
    provider = _provider(proc)
    _emit(provider, 5, "first")
    assert exporter.entered.wait(5)
    _emit(provider, 12, "late")
    before = _dropped("shutdown")
    start = time.monotonic()
    proc.shutdown(0.3)  # the backend is stuck: give up after the deadline
    assert time.monotonic() - start < 2.0
    # The 12 queued spans and the 5 of the batch still stuck inside export (its daemon
    # thread dies with the process): none of them is lost silently.
    assert _dropped("shutdown") - before == 12 + 5
    assert proc.queue_depth == 0
    exporter.gate.set()
    _emit(provider, 3, "after")  # after shutdown spans are ignored, not queued
    assert proc.queue_depth == 0


def test_unsampled_spans_are_not_queued() -> None:
    exporter = GatedExporter()
    proc = BatchExportProcessor(exporter, schedule_delay_s=60)
    _emit(_provider(proc, sampler=ALWAYS_OFF), 5)
    assert proc.queue_depth == 0
    proc.force_flush(1000)
    assert exporter.names == []
    proc.shutdown(1)


def test_batch_size_is_capped_by_queue_size() -> None:
    proc = BatchExportProcessor(GatedExporter(), max_queue_size=4, max_export_batch_size=512)
    assert proc.max_export_batch_size == 4
    proc.shutdown(1)
