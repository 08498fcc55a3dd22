"""``BatchExportProcessor``: the SDK's batch processor, with drop accounting.

Why not the SDK's ``BatchSpanProcessor``: it drops the oldest span silently when its
queue is full (one throttled log line every 20 s; the count is only visible through
opt-in internal metrics). This one counts every drop (``STATS.drop("queue_full")``),
reports queue depth, survives ``fork()`` (the worker is restarted in the child, the
parent's queued spans are discarded there, not exported twice) and honours a shutdown
deadline, counting whatever it could not export as ``dropped{reason="shutdown"}``.

Threading contract: ``on_end`` runs on the caller's thread and only appends to a deque;
``exporter.export`` runs on the single worker thread.
"""

from __future__ import annotations

import collections
import os
import threading
import time
import weakref
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import SpanExporter

from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.stats import STATS


class BatchExportProcessor(SpanProcessor):
    """Queues sampled spans at end and exports them in batches from one worker thread.

    Args:
        exporter: where batches go (normally a ``PipelineExporter``).
        max_queue_size: spans held before new ones are dropped (and counted).
        max_export_batch_size: spans per ``export`` call.
        schedule_delay_s: longest wait before a partial batch is exported.
        export_timeout_s: budget for ``force_flush``/``shutdown`` waits.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        *,
        max_queue_size: int = 2048,
        max_export_batch_size: int = 512,
        schedule_delay_s: float = 5.0,
        export_timeout_s: float = 30.0,
    ) -> None:
        max_export_batch_size = min(max_export_batch_size, max_queue_size)
        self.exporter = exporter
        self.max_queue_size = max_queue_size
        self.max_export_batch_size = max_export_batch_size
        self.schedule_delay_s = schedule_delay_s
        self.export_timeout_s = export_timeout_s
        self._init_state()
        ref = weakref.ref(self)

        def _after_fork() -> None:  # module-level closures keep no strong ref to self
            proc = ref()
            if proc is not None:
                proc._init_state()

        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)

    # ------------------------------------------------------------------ state
    def _init_state(self) -> None:
        self._queue: collections.deque[ReadableSpan] = collections.deque()
        self._wake = threading.Event()
        self._flush_lock = threading.Lock()
        self._flush_requests: list[threading.Event] = []
        self._export_lock = threading.Lock()
        self._shutdown = False
        self._in_flight = 0  # spans of the batch inside exporter.export right now
        self._worker = threading.Thread(target=self._run, name="mcp-llm-trace-export", daemon=True)
        self._worker.start()

    # ------------------------------------------------------------------ caller thread
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Nothing to do at start."""

    def on_end(self, span: ReadableSpan) -> None:
        """Enqueue a sampled span; count it as dropped if the queue is full."""
        if self._shutdown or not span.context.trace_flags.sampled:
            return
        queue = self._queue
        if len(queue) >= self.max_queue_size:
            STATS.drop("queue_full")
            return
        queue.append(span)
        if len(queue) >= self.max_export_batch_size:
            self._wake.set()

    @property
    def queue_depth(self) -> int:
        """Spans waiting to be exported."""
        return len(self._queue)

    # ------------------------------------------------------------------ worker thread
    def _run(self) -> None:
        while True:
            self._wake.wait(self.schedule_delay_s)
            self._wake.clear()
            shutting_down = self._shutdown
            with self._flush_lock:
                requests, self._flush_requests = self._flush_requests, []
            self._drain(everything=bool(requests) or shutting_down)
            for done in requests:
                done.set()
            if shutting_down:
                return

    def _drain(self, *, everything: bool) -> None:
        # One partial batch on the timer; everything on flush/shutdown.
        while self._queue:
            batch = self._take_batch()
            if not batch:
                return
            self._export(batch)
            if not everything and len(self._queue) < self.max_export_batch_size:
                return

    def _take_batch(self) -> list[ReadableSpan]:
        batch: list[ReadableSpan] = []
        queue = self._queue
        while queue and len(batch) < self.max_export_batch_size:
            batch.append(queue.popleft())
        return batch

    def _export(self, batch: Sequence[ReadableSpan]) -> None:
        with self._export_lock:
            self._in_flight = len(batch)
            try:
                self.exporter.export(batch)
            except Exception as exc:
                STATS.drop("export_failed", len(batch))
                report_internal_error("export.batch", exc, reraise=False)
            finally:
                self._in_flight = 0

    # ------------------------------------------------------------------ control
    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Export everything queued now; True if done within the timeout."""
        if self._shutdown:
            return True
        done = threading.Event()
        with self._flush_lock:
            self._flush_requests.append(done)
        self._wake.set()
        ok = done.wait(timeout_millis / 1000.0)
        # The SDK's SpanExporter.force_flush returns None unless overridden: not a failure.
        return ok and self.exporter.force_flush(max(1, timeout_millis)) is not False

    def shutdown(self, timeout_s: float | None = None) -> None:
        """Flush with a deadline, stop the worker, shut the exporter down.

        The worker drains the queue until the deadline. If it is still inside an
        export then (a dead endpoint retrying), the exporter is shut down to interrupt
        it. Spans not exported by then are counted as ``dropped{reason="shutdown"}``,
        the batch still inside ``export`` included (should that export finish before the
        process exits, its spans are counted twice: over-reporting, never silent loss).
        """
        if self._shutdown:
            return
        deadline = self.export_timeout_s if timeout_s is None else timeout_s
        self._shutdown = True
        self._wake.set()
        start = time.monotonic()
        own_thread = threading.current_thread() is self._worker
        if self._worker.is_alive() and not own_thread:
            self._worker.join(deadline)
        stuck = self._worker.is_alive() and not own_thread
        try:
            if stuck:
                # Interrupts the OTLP exporters' retry back-off; the worker then returns.
                self.exporter.shutdown()
                self._worker.join(min(2.0, max(0.1, deadline - (time.monotonic() - start))))
            else:
                with self._export_lock:
                    self.exporter.shutdown()
        except Exception as exc:
            report_internal_error("export.shutdown", exc, reraise=False)
        left = len(self._queue)
        if self._worker.is_alive() and not own_thread:
            # Still inside an export (slow scrubbing, a hung request) past the deadline:
            # the daemon thread dies with the process, so its batch counts as dropped.
            left += self._in_flight
        if left:
            STATS.drop("shutdown", left)
            self._queue.clear()
