"""``ResilientExporter``: circuit breaker + disk spool around one real exporter.

Called from the export thread (``export``) plus one background replay thread of its
own. What happens to a batch:

* breaker closed → sent; on failure the breaker counts it and the batch is *diverted*;
* breaker open → diverted at once, no network (a dead endpoint costs nothing);
* diverted → written to the spool (``STATS.add("spooled", n)``) when
  ``export.spool_dir`` is set, else dropped and counted (``export_failed`` after a
  failed attempt, ``spool_disabled`` while the breaker is open). A diverted batch
  returns ``FAILURE`` so ``FanoutExporter`` does not count it as exported.
* spooled batches are replayed oldest first by a background thread whenever the breaker
  lets requests through (``STATS.add("replayed", n)``), also after a process restart.

With a spool configured, the OTel OTLP exporters' own retry loops are switched off
(the spool *is* the retry) so one call costs at most one request timeout, and the
server's ``Retry-After``/RetryInfo opens the breaker for that long instead of sleeping
in the export thread. Without a spool their retries stay (bounded by their timeout).

Example::

    exporter = ResilientExporter(build_otlp_exporter(cfg), cfg, name="otlp")
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from mcp_llm_trace._internal.errors import report_internal_error, warn_once_per_interval
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.config import ExportConfig, TelemetryConfig
from mcp_llm_trace.export._decode import decode_spans
from mcp_llm_trace.export._exporter_access import RetryHint, send_raw, tame_retries
from mcp_llm_trace.export.breaker import CircuitBreaker, StateCallback
from mcp_llm_trace.export.spool import ClaimedBatch, DiskSpool

logger = logging.getLogger("mcp_llm_trace.export")

__all__ = ["ResilientExporter"]

_SUCCESS = SpanExportResult.SUCCESS
_FAILURE = SpanExportResult.FAILURE
#: Longest time ``shutdown`` spends replaying the spool to a reachable destination.
SHUTDOWN_DRAIN_S = 2.0
#: With a spool, the longest the export thread waits for one request before handing
#: the batch to a background sender and spooling the following batches meanwhile.
SEND_HOLD_S = 1.0
_TRANSIENT = {
    "408",
    "429",
    "500",
    "502",
    "503",
    "504",
    "UNAVAILABLE",
    "RESOURCE_EXHAUSTED",
    "DEADLINE_EXCEEDED",
    "ABORTED",
}
_AUTH_STATUSES = {"401", "403", "UNAUTHENTICATED", "PERMISSION_DENIED"}


class ResilientExporter(SpanExporter):
    """Wraps ``exporter`` (one destination) with a :class:`CircuitBreaker` and,
    when ``cfg.export.spool_dir`` is set, a :class:`DiskSpool` under
    ``<spool_dir>/<name>``.

    Args:
        exporter: the real exporter.
        cfg: telemetry config (``export.*`` settings are used); defaults if ``None``.
        name: destination name, used in logs, the breaker and the spool sub-directory.
        on_state_change: ``(name, old, new)`` callback for breaker transitions.
    """

    def __init__(
        self,
        exporter: SpanExporter,
        cfg: TelemetryConfig | None = None,
        name: str = "otlp",
        *,
        on_state_change: StateCallback | None = None,
    ) -> None:
        ecfg = cfg.export if cfg is not None else ExportConfig()
        self.exporter = exporter
        self.name = name
        self.breaker = CircuitBreaker(
            name,
            failure_threshold=ecfg.breaker_failure_threshold,
            reset_timeout_s=ecfg.breaker_reset_timeout_s,
            max_reset_timeout_s=ecfg.breaker_max_open_s,
            on_state_change=on_state_change,
        )
        self.spool: DiskSpool | None = None
        if ecfg.spool_dir:
            safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "default"
            self.spool = DiskSpool(
                Path(ecfg.spool_dir) / safe,
                max_bytes=int(ecfg.spool_max_mb * 1024 * 1024),
                fsync=ecfg.spool_fsync,
            )
        self._hint = RetryHint()
        tame_retries(exporter, self._hint, fail_fast=self.spool is not None)
        self._init_threads()
        ref = weakref.ref(self)

        def _after_fork() -> None:
            me = ref()
            if me is not None:
                me._init_threads()  # locks/threads of the parent are unusable in the child

        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)
        if self.spool is not None and self.spool.pending_files():
            self._ensure_replayer()  # left over from a previous run

    def _init_threads(self) -> None:
        self._send_lock = threading.Lock()
        self._replay_lock = threading.Lock()
        self._closing = threading.Event()
        self._replayer: threading.Thread | None = None
        self._sender: threading.Thread | None = None
        self._inflight = 0  # spans of a request the sender thread is still waiting on

    # ------------------------------------------------------------------ SpanExporter
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Send, or divert to the spool. Never raises (except in strict mode on our bugs).

        With a spool, the export thread waits at most ``SEND_HOLD_S`` for a request: a
        destination that accepts connections and never answers then costs the in-memory
        queue nothing — the hanging request finishes (or fails into the spool) in the
        background while the following batches go straight to the spool."""
        if not spans:
            return _SUCCESS
        try:
            if self.spool is not None and self._inflight:
                return self._divert(spans, failed=False)  # a previous request still hangs
            if self._closing.is_set() or not self.breaker.allow_request():
                return self._divert(spans, failed=False)
            if self.spool is None:
                t0 = time.monotonic()
                return self._settle(spans, self._send_spans(spans), t0)
            return self._send_with_hold(spans)
        except Exception as exc:
            report_internal_error(f"export.resilience.{self.name}", exc)
            return _FAILURE

    def _send_with_hold(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        done = threading.Event()
        result: list[SpanExportResult] = []

        def run() -> None:
            t0 = time.monotonic()
            try:
                result.append(self._settle(spans, self._send_spans(spans), t0))
            except Exception as exc:
                report_internal_error(f"export.resilience.{self.name}", exc, reraise=False)
            finally:
                self._inflight = 0
                done.set()

        self._inflight = len(spans)
        sender = threading.Thread(target=run, name=f"mcp-llm-trace-send-{self.name}", daemon=True)
        self._sender = sender
        sender.start()
        if done.wait(SEND_HOLD_S):
            return result[0] if result else _FAILURE
        return _SUCCESS  # handed off: the sender settles the batch (sent or spooled)

    def _settle(self, spans: Sequence[ReadableSpan], ok: bool, t0: float) -> SpanExportResult:
        if ok:
            self.breaker.record_success()
            if self.spool is not None and self._has_pending():
                self._ensure_replayer()
            return _SUCCESS
        self._report_auth_failure()
        self.breaker.record_failure(self._hint.take(), time.monotonic() - t0)
        return self._divert(spans, failed=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the inner exporter and replay the spool for up to ``timeout_millis``."""
        deadline = time.monotonic() + timeout_millis / 1000.0
        try:
            self.replay_pending(max(0.0, deadline - time.monotonic()))
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            # None is what the SDK base class returns when not overridden: not a failure.
            return self.exporter.force_flush(left_ms) is not False
        except Exception as exc:
            report_internal_error(f"export.resilience.{self.name}.flush", exc, reraise=False)
            return False

    def shutdown(self) -> None:
        """Try to drain the spool (up to ``SHUTDOWN_DRAIN_S`` while the destination
        accepts), stop replaying, shut down; log how many spans are left on disk."""
        sender = self._sender
        if sender is not None and sender is not threading.current_thread():
            sender.join(SHUTDOWN_DRAIN_S)  # a hanging request: its batch ends in the spool
        try:
            self.replay_pending(SHUTDOWN_DRAIN_S, wait_for_probe=True)
        except Exception as exc:
            report_internal_error(f"export.resilience.{self.name}.drain", exc, reraise=False)
        self._closing.set()
        hanging = self._inflight
        if hanging:
            # Still waiting on its request: the daemon thread dies with the process.
            STATS.drop("shutdown", hanging)
        if self.spool is not None:
            left = self.spool.pending_spans()
            if left:
                STATS.add("spool_left_at_shutdown", left)
                logger.warning(
                    "export to %s: %d span(s) left in the spool %s at shutdown (destination "
                    "unreachable); the next process using this spool dir sends them",
                    self.name,
                    left,
                    self.spool.directory,
                )
        replayer = self._replayer
        if replayer is not None and replayer is not threading.current_thread():
            replayer.join(timeout=5.0)
        try:
            self.exporter.shutdown()
        except Exception as exc:
            report_internal_error(f"export.resilience.{self.name}.shutdown", exc, reraise=False)

    # ------------------------------------------------------------------ public extras
    def stats(self) -> dict[str, Any]:
        """Breaker state and spool backlog, for ``Telemetry.stats()`` and metrics."""
        out: dict[str, Any] = {"breaker": self.breaker.stats()}
        if self.spool is not None:
            out["spool_pending_spans"] = self.spool.pending_spans()
            out["spool_bytes"] = self.spool.size_bytes()
        return out

    def replay_pending(self, timeout_s: float, *, wait_for_probe: bool = False) -> int:
        """Replay spooled batches now (this thread) until empty, the breaker refuses,
        or ``timeout_s`` passes. Returns the number of spans replayed.

        With ``wait_for_probe`` (flush, shutdown), an open breaker whose next probe is
        due before the deadline is waited for instead of giving up at once."""
        if self.spool is None:
            return 0
        deadline = time.monotonic() + timeout_s
        replayed = 0
        while time.monotonic() < deadline and not self._closing.is_set():
            n = self._replay_one()
            if n == 0:
                break
            if n < 0:
                left = deadline - time.monotonic()
                if not wait_for_probe or not self.breaker.wait_for_probe(left):
                    break
                continue
            replayed += n
        return replayed

    # ------------------------------------------------------------------ internals
    def _send_spans(self, spans: Sequence[ReadableSpan]) -> bool:
        with self._send_lock:
            try:
                return self.exporter.export(spans) is _SUCCESS
            except Exception as exc:  # the real exporter's bug is a failed export, not ours
                report_internal_error(f"exporter.{self.name}", exc, reraise=False)
                return False

    def _send_payload(self, payload: bytes) -> bool:
        with self._send_lock:
            try:
                raw = send_raw(self.exporter, payload)
                if raw is not None:
                    return raw
                return self.exporter.export(decode_spans(payload)) is _SUCCESS
            except DecodeError:
                raise
            except Exception as exc:
                report_internal_error(f"exporter.{self.name}.replay", exc, reraise=False)
                return False

    def _divert(self, spans: Sequence[ReadableSpan], *, failed: bool) -> SpanExportResult:
        n = len(spans)
        if self.spool is None:
            STATS.drop("export_failed" if failed else "spool_disabled", n)
            return _FAILURE
        try:
            payload = encode_spans(spans).SerializeToString()
        except Exception as exc:  # unencodable attribute values: cannot be spooled either
            STATS.drop("export_failed", n)
            report_internal_error(f"export.spool_encode.{self.name}", exc, reraise=False)
            return _FAILURE
        try:
            written = self.spool.write(payload, n)
        except OSError as exc:
            STATS.drop("export_failed", n)
            warn_once_per_interval(
                "spool.write",
                "spool %s: cannot write (%s); batch dropped",
                self.spool.directory,
                exc,
            )
            return _FAILURE
        if written:
            STATS.add("spooled", n)
            self._ensure_replayer()
        return _FAILURE

    def _report_auth_failure(self) -> None:
        status, self._hint.last_status = self._hint.last_status, None
        if status in _AUTH_STATUSES:
            warn_once_per_interval(
                f"export.auth.{self.name}",
                "export to %s rejected with %s: authentication failed — check the API key "
                "/ OTLP headers (values are not logged)",
                self.name,
                status,
            )

    def _has_pending(self) -> bool:
        return self.spool is not None and bool(self.spool.pending_files())

    def _replay_one(self) -> int:
        """Replay the oldest batch. >0: spans replayed; 0: nothing to do; -1: refused/failed."""
        spool = self.spool
        if spool is None:
            return 0
        with self._replay_lock:
            if not self._has_pending():
                return 0
            if not self.breaker.allow_request():
                return -1
            batch = spool.claim_oldest()
            if batch is None:
                self.breaker.release_probe()  # nothing claimable after all: no verdict
                return 0
            return self._replay_batch(spool, batch)

    def _replay_batch(self, spool: DiskSpool, batch: ClaimedBatch) -> int:
        t0 = time.monotonic()
        try:
            ok = self._send_payload(batch.payload)
        except DecodeError as exc:
            spool.quarantine(batch, f"not an OTLP request: {exc}")
            return 0
        if ok:
            spool.ack(batch)
            STATS.add("replayed", batch.span_count)
            self.breaker.record_success()
            return batch.span_count
        status, self._hint.last_status = self._hint.last_status, None
        # An outage (refused, timeout, 429/5xx, UNAVAILABLE…) is not the batch's fault:
        # only rejections of the batch itself count towards the poison-batch limit, so
        # frequent probes during a long outage cannot make the spool give data up.
        spool.nack(batch, count_attempt=status is not None and status not in _TRANSIENT)
        self.breaker.record_failure(self._hint.take(), time.monotonic() - t0)
        return -1

    def _ensure_replayer(self) -> None:
        with self._replay_lock:
            if self._closing.is_set():
                return
            if self._replayer is not None and self._replayer.is_alive():
                return
            self._replayer = threading.Thread(
                target=self._replay_loop, name=f"mcp-llm-trace-replay-{self.name}", daemon=True
            )
            self._replayer.start()

    def _replay_loop(self) -> None:
        """Drain the spool at the breaker's pace; exit when empty (restarted on demand)."""
        try:
            while not self._closing.is_set():
                wait = self.breaker.seconds_until_probe()
                if wait > 0:
                    self._closing.wait(min(wait, 1.0))
                    continue
                n = self._replay_one()
                if n == 0:
                    with self._replay_lock:
                        if not self._has_pending():
                            self._replayer = None
                            return
                elif n < 0:
                    self._closing.wait(0.05)  # probe owned by the export thread, or failed
        except Exception as exc:
            report_internal_error(f"export.replay.{self.name}", exc, reraise=False)
            with self._replay_lock:
                self._replayer = None


def spool_dir(exporter: ResilientExporter) -> str:
    """The spool directory of ``exporter`` (``"-"`` without a spool), for log lines."""
    return str(exporter.spool.directory) if exporter.spool is not None else "-"
