"""Circuit breaker for one export destination.

States: ``closed`` (send) → ``open`` (don't send: batches go to the spool) after
``failure_threshold`` consecutive failures, or when the failure rate over the last
``window`` calls reaches ``failure_rate`` (with at least ``min_calls`` calls), or at once
when the server asked us to back off (HTTP ``Retry-After`` / gRPC RetryInfo).
After the open period one probe is let through (``half_open``): success closes the
breaker, failure re-opens it. The open period is the server's ``Retry-After`` /
RetryInfo when it sent one, else ``reset_timeout_s`` doubled per failed probe; either
way never longer than ``max_reset_timeout_s`` (5 s by default), and the jitter (up to
``jitter`` × the period, so a fleet does not probe in lock-step) only shortens it —
so the breaker closes within a few seconds of the destination's recovery.

Thread-safe. State changes are logged (WARNING on open, INFO on close) and passed to
``on_state_change(name, old, new)`` — the metrics module turns that into a gauge.

Example::

    breaker = CircuitBreaker("otlp", failure_threshold=3, reset_timeout_s=1.0)
    if breaker.allow_request():
        ok = send()
        breaker.record_success() if ok else breaker.record_failure()
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Any

from mcp_llm_trace._internal.errors import report_internal_error

logger = logging.getLogger("mcp_llm_trace.export")

__all__ = ["BreakerState", "CircuitBreaker"]


class BreakerState(str, Enum):
    """Breaker state; the value is what logs and the metric show."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


StateCallback = Callable[[str, BreakerState, BreakerState], None]


class CircuitBreaker:
    """Closed → open → half-open breaker with exponential, jittered reset timeouts."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout_s: float = 1.0,
        max_reset_timeout_s: float | None = None,
        failure_rate: float = 0.5,
        window: int = 20,
        min_calls: int = 10,
        jitter: float = 0.2,
        on_state_change: StateCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.failure_threshold = max(1, int(failure_threshold))
        self.reset_timeout_s = max(0.0, float(reset_timeout_s))
        self.max_reset_timeout_s = (
            max(self.reset_timeout_s, float(max_reset_timeout_s))
            if max_reset_timeout_s is not None
            else max(self.reset_timeout_s, 5.0)
        )
        self.failure_rate = failure_rate
        self.min_calls = max(1, min_calls)
        self.jitter = min(max(jitter, 0.0), 1.0)
        self.on_state_change = on_state_change
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._failed_probes = 0
        self._outcomes: deque[bool] = deque(maxlen=max(1, window))
        self._open_until = 0.0
        self._probe_in_flight = False
        self._last_backoff = 0.0
        self.opened_count = 0

    # ------------------------------------------------------------------ queries
    @property
    def state(self) -> BreakerState:
        """Current state (an expired open period reads as ``half_open``)."""
        with self._lock:
            if self._state is BreakerState.OPEN and self._clock() >= self._open_until:
                return BreakerState.HALF_OPEN
            return self._state

    def seconds_until_probe(self) -> float:
        """How long until a probe is allowed (0 when closed or already due)."""
        with self._lock:
            if self._state is not BreakerState.OPEN:
                return 0.0
            return max(0.0, self._open_until - self._clock())

    def stats(self) -> dict[str, Any]:
        """Plain-dict view for ``Telemetry.stats()`` and the metrics gauge."""
        with self._lock:
            return {
                "state": self._state.value,
                "consecutive_failures": self._consecutive,
                "opened": self.opened_count,
                "open_for_s": max(0.0, self._open_until - self._clock())
                if self._state is BreakerState.OPEN
                else 0.0,
            }

    # ------------------------------------------------------------------ protocol
    def allow_request(self) -> bool:
        """Whether to try the network now. In half-open, only one caller gets ``True``."""
        with self._lock:
            if self._state is BreakerState.CLOSED:
                return True
            if self._state is BreakerState.OPEN:
                if self._clock() < self._open_until:
                    return False
                change = self._set(BreakerState.HALF_OPEN)
                self._probe_in_flight = True
            else:  # half-open: one probe at a time
                if self._probe_in_flight:
                    return False
                self._probe_in_flight = True
                change = None
        self._notify(change)
        return True

    def release_probe(self) -> None:
        """Give back a half-open probe slot without a verdict (nothing was sent)."""
        with self._lock:
            self._probe_in_flight = False

    def record_success(self) -> None:
        """The last attempt succeeded."""
        with self._lock:
            self._consecutive = 0
            self._failed_probes = 0
            self._probe_in_flight = False
            self._outcomes.append(True)
            change = self._set(BreakerState.CLOSED)
            if change is not None:
                self._outcomes.clear()
        self._notify(change)

    def record_failure(self, retry_after_s: float | None = None, elapsed_s: float = 0.0) -> None:
        """The last attempt failed; ``retry_after_s`` is the server's back-off hint and
        ``elapsed_s`` how long the attempt took (a request that timed out after 2 s has
        already waited 2 s of its back-off)."""
        with self._lock:
            self._consecutive += 1
            self._outcomes.append(False)
            self._probe_in_flight = False
            if self._state is BreakerState.HALF_OPEN:
                # A probe the server answered with Retry-After followed its guidance: the
                # exponential sequence (for unguided probing) starts again after it, so a
                # backend that recovers slowly after a long 503/Retry-After outage is
                # probed at 2 s, 4 s … rather than at the cap straight away.
                self._failed_probes = 0 if retry_after_s is not None else self._failed_probes + 1
                change = self._open(retry_after_s, elapsed_s)
            elif self._state is BreakerState.OPEN:
                change = None  # a straggler from before the breaker opened
            elif retry_after_s is not None or self._should_open():
                change = self._open(retry_after_s, elapsed_s)
            else:
                change = None
        self._notify(change)

    def wait_for_probe(self, timeout_s: float) -> bool:
        """Sleep until a probe is due if that happens within ``timeout_s``; ``True`` when
        a request may be tried now (used by flush/shutdown to drain within a deadline)."""
        wait = self.seconds_until_probe()
        if wait > timeout_s:
            return False
        # 0 while another thread's probe is in flight: a short nap instead of spinning.
        time.sleep(min(max(wait, 0.05), max(timeout_s, 0.0)))
        return True

    # ------------------------------------------------------------------ internals
    def _should_open(self) -> bool:
        if self._consecutive >= self.failure_threshold:
            return True
        calls = len(self._outcomes)
        if calls < self.min_calls:
            return False
        failures = calls - sum(self._outcomes)
        return failures / calls >= self.failure_rate

    def _open(
        self, retry_after_s: float | None, elapsed_s: float = 0.0
    ) -> tuple[BreakerState, BreakerState] | None:
        cap = self.max_reset_timeout_s
        if retry_after_s is not None and retry_after_s >= 0:
            # The server said when to come back: that is the next probe time (capped, so
            # a hostile/huge value cannot silence us; a probe past the cap is one request).
            backoff = min(retry_after_s, cap)
        else:
            base = min(self.reset_timeout_s * (2 ** min(self._failed_probes, 16)), cap)
            # Jitter only shortens: the open period can never exceed the cap.
            backoff = base * (1.0 - self.jitter * random.random())
            # The open period counts from the start of the failed attempt (a timeout has
            # spent part of it waiting); never below a tenth of it, so probes stay spaced.
            backoff = max(backoff - max(0.0, elapsed_s), backoff * 0.1)
        self._open_until = self._clock() + backoff
        self.opened_count += 1
        self._last_backoff = backoff
        return self._set(BreakerState.OPEN)

    def _set(self, new: BreakerState) -> tuple[BreakerState, BreakerState] | None:
        old = self._state
        if old is new:
            return None
        self._state = new
        return old, new

    def _notify(self, change: tuple[BreakerState, BreakerState] | None) -> None:
        if change is None:
            return
        old, new = change
        if new is BreakerState.OPEN:
            logger.warning(
                "export to %s: circuit breaker OPEN for %.1fs after %d failed attempt(s); "
                "batches go to the spool meanwhile",
                self.name,
                self._last_backoff,
                self._consecutive,
            )
        elif new is BreakerState.CLOSED:
            logger.info("export to %s: circuit breaker closed (destination healthy)", self.name)
        else:
            logger.info("export to %s: circuit breaker half-open (probing)", self.name)
        if self.on_state_change is not None:
            try:
                self.on_state_change(self.name, old, new)
            except Exception as exc:  # a bad callback must not break exporting
                report_internal_error("breaker.on_state_change", exc, reraise=False)
