"""Best-effort hooks into the OTel OTLP exporters' internals (guarded, version-tolerant).

Why: the OTel OTLP exporters retry inside ``export()`` with exponential backoff for up
to their whole timeout, and sleep for a server's ``Retry-After`` themselves. Behind our
circuit breaker + spool that blocks the export thread on a dead endpoint for no gain.
:func:`tame_retries` makes them fail fast and reports the server's back-off hint to the
breaker instead. :func:`send_raw` replays spooled protobuf bytes through the exporter's
own connection settings (endpoint, headers, TLS, compression).

Every hook checks that the private attribute it needs exists; with an exporter version
that lacks it, the hook does nothing and the caller falls back to the public API.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("mcp_llm_trace.export")

__all__ = ["RetryHint", "send_raw", "tame_retries"]


class RetryHint:
    """The most recent server back-off hint (seconds), consumed once by the breaker,
    and the status of the last failed request (``"401"``, ``"UNAUTHENTICATED"``, …)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: float | None = None
        self.last_status: str | None = None

    def set(self, seconds: float | None) -> None:
        """Record a hint (``None`` is ignored)."""
        if seconds is not None:
            with self._lock:
                self._value = seconds

    def take(self) -> float | None:
        """Return and clear the hint."""
        with self._lock:
            value, self._value = self._value, None
            return value


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


class _ResultProxy:
    """An HTTP transport result whose ``Retry-After`` is reported to us, not the client."""

    def __init__(self, inner: Any, hint: RetryHint, fail_fast: bool) -> None:
        self._inner = inner
        self._hint = hint
        self._fail_fast = fail_fast
        status = getattr(inner, "status_code", None)
        if status is not None and not 200 <= int(status) < 400:
            hint.last_status = str(status)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def headers(self) -> Any:
        raw = self._inner.headers() or {}
        out = {str(k).lower(): str(v) for k, v in raw.items()}
        self._hint.set(_parse_retry_after(out.get("retry-after")))
        if self._fail_fast:
            out.pop("retry-after", None)  # the breaker waits, not the export thread
            return out
        return raw


class _TransportProxy:
    def __init__(self, inner: Any, hint: RetryHint, fail_fast: bool) -> None:
        self._inner = inner
        self._hint = hint
        self._fail_fast = fail_fast

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def request(self, *args: Any, **kwargs: Any) -> Any:
        result = self._inner.request(*args, **kwargs)
        return _ResultProxy(result, self._hint, self._fail_fast)


class _StubProxy:
    """A gRPC TraceService stub that reports RetryInfo trailers as a back-off hint."""

    def __init__(self, inner: Any, hint: RetryHint) -> None:
        self._inner = inner
        self._hint = hint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def Export(self, *args: Any, **kwargs: Any) -> Any:
        import grpc

        try:
            return self._inner.Export(*args, **kwargs)
        except grpc.RpcError as err:
            self._hint.set(_grpc_retry_after(err))
            code = getattr(err, "code", None)
            self._hint.last_status = getattr(code(), "name", None) if callable(code) else None
            raise


def _grpc_retry_after(err: Any) -> float | None:
    try:
        from google.rpc.error_details_pb2 import RetryInfo  # type: ignore[import-untyped]

        raw = dict(err.trailing_metadata() or ()).get("google.rpc.retryinfo-bin")
        if raw is None:
            return None
        info = RetryInfo.FromString(raw)
        return float(info.retry_delay.seconds + info.retry_delay.nanos / 1e9)
    except Exception:  # a malformed trailer is just "no hint"
        return None


def _no_backoff(_retry: int) -> float:
    return float("inf")  # larger than any remaining deadline: the client gives up at once


def tame_retries(exporter: SpanExporter, hint: RetryHint, *, fail_fast: bool = True) -> bool:
    """Report an OTel OTLP exporter's failure statuses and back-off hints to ``hint``;
    with ``fail_fast`` also switch off its internal retries. True if hooked."""
    exp: Any = exporter
    hooked = False
    client = getattr(exp, "_client", None)
    # OTLP/HTTP (>= 1.40 layout): _client is an _OTLPHTTPClient with a pluggable transport.
    if client is not None and hasattr(client, "_compute_backoff") and hasattr(client, "_transport"):
        if fail_fast:
            client._compute_backoff = _no_backoff
        client._transport = _TransportProxy(client._transport, hint, fail_fast)
        hooked = True
    # OTLP/gRPC: no retryable codes, and a stub that reports RetryInfo.
    if hasattr(exp, "_retryable_error_codes") and hasattr(exp, "_stub"):
        if fail_fast:
            exp._retryable_error_codes = frozenset()
        original_stub = exp._stub

        def make_stub(channel: Any) -> _StubProxy:
            return _StubProxy(original_stub(channel), hint)

        exp._stub = make_stub
        if getattr(exp, "_channel", None) is not None:
            exp._client = make_stub(exp._channel)
        hooked = True
    if not hooked:
        logger.debug("exporter %s: internal retries left as they are", type(exporter).__name__)
    return hooked


def send_raw(exporter: SpanExporter, payload: bytes) -> bool | None:
    """Send serialized ``ExportTraceServiceRequest`` bytes through ``exporter``'s own
    connection. Returns success, or ``None`` when this exporter type is not supported
    (the caller then decodes the spans and uses ``export``)."""
    client = getattr(exporter, "_client", None)
    if client is None or getattr(exporter, "_shutdown", False):
        return None
    module = type(exporter).__module__
    if module.startswith("opentelemetry.exporter.otlp.proto.http") and hasattr(client, "export"):
        result = client.export(payload)
        return bool(getattr(result, "success", False))
    if module.startswith("opentelemetry.exporter.otlp.proto.grpc") and hasattr(client, "Export"):
        import grpc

        request = ExportTraceServiceRequest.FromString(payload)
        try:
            client.Export(
                request=request,
                metadata=getattr(exporter, "_headers", None) or (),
                timeout=float(getattr(exporter, "_timeout", 10.0)),
            )
        except grpc.RpcError:
            return False
        return True
    return None
