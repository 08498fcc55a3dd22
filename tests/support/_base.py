"""State and fault injection shared by every test receiver."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Fault:
    """What the receiver does instead of accepting a request.

    ``status`` is the HTTP code (503, 429, 500, …); gRPC receivers map it to a gRPC
    status (503/429 → UNAVAILABLE/RESOURCE_EXHAUSTED) unless ``grpc_code`` names one.
    ``retry_after`` is sent as ``Retry-After`` in whole seconds, or as an HTTP-date
    that many seconds ahead with ``retry_after_form="date"`` (gRPC: RetryInfo).
    ``hang_s`` > 0: accept the request and answer nothing for that long, then close
    the connection (HTTP) / fail with ``status`` (gRPC) — the client times out first.
    """

    status: int = 503
    retry_after: float | None = None
    grpc_code: str | None = None
    retry_after_form: str = "seconds"
    hang_s: float = 0.0


class ReceiverBase:
    """Records decoded spans and request metadata; injects faults.

    Thread-safe. Every request (accepted or rejected) is appended to :attr:`requests`
    as ``{"headers": {lower-case name: value}, "status": int, "spans": n, "time": t}``.
    """

    def __init__(
        self,
        *,
        required_headers: dict[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self._cond = threading.Condition()
        self.spans: list[dict[str, Any]] = []
        #: ``time.time()`` at which each entry of :attr:`spans` arrived.
        self.arrivals: list[float] = []
        self.requests: list[dict[str, Any]] = []
        self.required_headers = {k.lower(): v for k, v in (required_headers or {}).items()}
        self.delay_s = delay_s
        self._fail_next: list[Fault] = []
        self._fail_always: Fault | None = None

    # ------------------------------------------------------------ fault injection
    def fail_next(
        self,
        n: int,
        status: int = 503,
        retry_after: float | None = None,
        grpc_code: str | None = None,
        *,
        retry_after_form: str = "seconds",
        hang_s: float = 0.0,
    ) -> None:
        """Reject the next ``n`` requests with ``status`` (and ``Retry-After``), or
        hang on them for ``hang_s`` (see :class:`Fault`)."""
        fault = Fault(status, retry_after, grpc_code, retry_after_form, hang_s)
        with self._cond:
            self._fail_next.extend(fault for _ in range(n))

    def set_failing(
        self,
        failing: bool,
        status: int = 503,
        retry_after: float | None = None,
        grpc_code: str | None = None,
        *,
        retry_after_form: str = "seconds",
        hang_s: float = 0.0,
    ) -> None:
        """Reject (or hang on) every request while ``failing`` is true."""
        fault = Fault(status, retry_after, grpc_code, retry_after_form, hang_s)
        with self._cond:
            self._fail_always = fault if failing else None

    def _take_fault(self) -> Fault | None:
        with self._cond:
            if self._fail_next:
                return self._fail_next.pop(0)
            return self._fail_always

    def _auth_ok(self, headers: dict[str, str]) -> bool:
        return all(headers.get(k) == v for k, v in self.required_headers.items())

    # ------------------------------------------------------------ recording
    def _record(
        self, headers: dict[str, str], status: int, spans: Iterable[dict[str, Any]]
    ) -> None:
        batch = list(spans)
        now = time.time()
        with self._cond:
            self.requests.append(
                {"headers": headers, "status": status, "spans": len(batch), "time": now}
            )
            self.spans.extend(batch)
            self.arrivals.extend(now for _ in batch)
            self._cond.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` spans arrived; return a copy of all spans.

        Raises :class:`TimeoutError` (with what did arrive) after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.spans) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{type(self).__name__}: {len(self.spans)} of {count} spans after "
                        f"{timeout}s; statuses {[r['status'] for r in self.requests][-20:]}"
                    )
                self._cond.wait(left)
            return list(self.spans)

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until at least ``count`` requests (any status) arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.requests)} of {count} requests after {timeout}s")
                self._cond.wait(left)
            return list(self.requests)

    def span_ids(self) -> list[str]:
        """Span ids received so far, in arrival order (duplicates kept)."""
        with self._cond:
            return [s["span_id"] for s in self.spans]

    def clear(self) -> None:
        """Forget recorded spans and requests (faults stay)."""
        with self._cond:
            self.spans.clear()
            self.arrivals.clear()
            self.requests.clear()

    # ------------------------------------------------------------ lifecycle
    def start(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> ReceiverBase:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
