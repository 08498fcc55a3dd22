"""Process-wide counters for what happened to spans on their way out.

Thread-safe and cheap (one lock, plain ints). ``Telemetry.stats()`` returns
:meth:`TelemetryStats.snapshot`; the metrics module exposes the same numbers as
observable counters (``mcp_llm_trace.spans.dropped{reason}`` etc.).
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

#: Reasons a span can be dropped. Every drop is counted under exactly one of them.
DROP_REASONS = (
    "queue_full",  # the batch queue was full when the span ended
    "spool_full",  # the disk spool hit its size cap and evicted the oldest batch
    "spool_disabled",  # export failed / breaker open and no spool is configured
    "spool_corrupt",  # a spool file could not be decoded and was quarantined
    "export_failed",  # the exporter rejected the batch with a non-retryable error
    "shutdown",  # still queued when the shutdown deadline passed
    "attribute_limit",  # attributes dropped by limits (counts attributes, not spans)
)


class TelemetryStats:
    """Thread-safe counters: exported, spooled, replayed, dropped by reason, errors."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._dropped: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._scrub: Counter[str] = Counter()

    def add(self, name: str, n: int = 1) -> None:
        """Add ``n`` to a plain counter (``exported``, ``spooled``, ``replayed``, …)."""
        if n:
            with self._lock:
                self._counts[name] += n

    def drop(self, reason: str, n: int = 1) -> None:
        """Count ``n`` spans dropped for ``reason`` (one of :data:`DROP_REASONS`)."""
        if n:
            with self._lock:
                self._dropped[reason] += n

    def count_internal_error(self, kind: str) -> None:
        """Count one internal error of ``kind``."""
        with self._lock:
            self._errors[kind] += 1

    def count_redactions(self, entity_type: str, n: int = 1) -> None:
        """Count redactions of ``entity_type`` made by the scrubber."""
        with self._lock:
            self._scrub[entity_type] += n

    def get(self, name: str) -> int:
        """Current value of a plain counter."""
        with self._lock:
            return self._counts[name]

    def dropped_total(self) -> int:
        """All dropped spans, every reason but ``attribute_limit``."""
        with self._lock:
            return sum(v for k, v in self._dropped.items() if k != "attribute_limit")

    def snapshot(self) -> dict[str, Any]:
        """A plain-dict copy: ``exported``, ``spooled``, ``replayed``, ``dropped`` (by
        reason), ``internal_errors`` (by kind), ``redactions`` (by entity type) and
        every other counter added with :meth:`add`."""
        with self._lock:
            out: dict[str, Any] = {"exported": 0, "spooled": 0, "replayed": 0}
            out.update(self._counts)
            out["dropped"] = dict(self._dropped)
            out["internal_errors"] = dict(self._errors)
            out["redactions"] = dict(self._scrub)
            return out

    def reset(self) -> None:
        """Zero every counter (tests, and ``configure(force=True)``)."""
        with self._lock:
            self._counts.clear()
            self._dropped.clear()
            self._errors.clear()
            self._scrub.clear()


#: The process-wide instance.
STATS = TelemetryStats()
