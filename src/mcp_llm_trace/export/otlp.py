"""Build the OTel OTLP exporters (traces, metrics, logs) from a :class:`TelemetryConfig`.

* Protocol ``http/protobuf`` (default) or ``grpc`` (needs the ``[otlp]`` extra).
* Endpoints: ``otlp.traces_endpoint`` is used as is; ``otlp.endpoint`` is a base URL to
  which ``/v1/traces`` (``/v1/metrics``, ``/v1/logs``) is appended for HTTP; defaults
  ``http://localhost:4318/v1/traces`` (HTTP) and ``http://localhost:4317`` (gRPC).
* TLS: ``otlp.certificate`` (CA bundle), ``otlp.client_certificate`` +
  ``otlp.client_key`` (mTLS). gRPC is plaintext only when asked: an ``http://`` endpoint
  or ``otlp.insecure=true``; ``https://`` or ``insecure=false`` means TLS.
* Headers come from ``otlp.headers`` (env ``OTEL_EXPORTER_OTLP_HEADERS``, YAML with
  ``${VAR}``); their values are never logged. Sending credential-looking headers in
  plaintext to a host other than loopback logs one warning (names only).

Example::

    from mcp_llm_trace.config import load_config
    exporter = build_otlp_exporter(load_config(otlp_endpoint="https://collector:4318"))
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from opentelemetry.sdk.trace.export import SpanExporter

from mcp_llm_trace.config import OtlpConfig, TelemetryConfig

logger = logging.getLogger("mcp_llm_trace.export")

__all__ = ["build_otlp_exporter", "build_otlp_log_exporter", "build_otlp_metric_exporter"]

_HTTP_DEFAULT_BASE = "http://localhost:4318"
_GRPC_DEFAULT = "http://localhost:4317"
_SECRET_HINTS = ("auth", "key", "token", "secret", "password", "cookie", "session")


def build_otlp_exporter(cfg: TelemetryConfig) -> SpanExporter:
    """The OTel OTLP span exporter (HTTP or gRPC) described by ``cfg.otlp``."""
    o = cfg.otlp
    if o.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        endpoint = o.traces_endpoint or o.endpoint or _GRPC_DEFAULT
        return _grpc(GrpcSpanExporter, o, endpoint)  # type: ignore[no-any-return]
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    endpoint = o.traces_endpoint or _signal_url(o.endpoint, "traces")
    return _http(HttpSpanExporter, o, endpoint)  # type: ignore[no-any-return]


def build_otlp_metric_exporter(cfg: TelemetryConfig) -> Any:
    """The OTel OTLP metric exporter for ``cfg.otlp`` (``/v1/metrics`` for HTTP)."""
    o = cfg.otlp
    if o.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
            OTLPMetricExporter as GrpcMetricExporter,
        )

        return _grpc(GrpcMetricExporter, o, o.endpoint or _GRPC_DEFAULT)
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )

    return _http(HttpMetricExporter, o, _signal_url(o.endpoint, "metrics"))


def build_otlp_log_exporter(cfg: TelemetryConfig) -> Any:
    """The OTel OTLP log exporter for ``cfg.otlp`` (``/v1/logs`` for HTTP)."""
    o = cfg.otlp
    if o.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
            OTLPLogExporter as GrpcLogExporter,
        )

        return _grpc(GrpcLogExporter, o, o.endpoint or _GRPC_DEFAULT)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (
        OTLPLogExporter as HttpLogExporter,
    )

    return _http(HttpLogExporter, o, _signal_url(o.endpoint, "logs"))


# --------------------------------------------------------------------------- helpers


def _signal_url(base: str | None, signal: str) -> str:
    root = (base or _HTTP_DEFAULT_BASE).rstrip("/")
    if "://" not in root:
        root = "http://" + root
    return f"{root}/v1/{signal}"


def _http(cls: Any, o: OtlpConfig, endpoint: str) -> Any:
    from opentelemetry.exporter.otlp.proto.http import Compression

    compression = {
        "gzip": Compression.Gzip,
        "deflate": Compression.Deflate,
        "none": Compression.NoCompression,
    }.get(o.compression or "none", Compression.NoCompression)
    secure = urlparse(endpoint).scheme == "https"
    _warn_plaintext_credentials(endpoint, o.headers, secure)
    return cls(
        endpoint=endpoint,
        certificate_file=o.certificate,
        client_key_file=o.client_key,
        client_certificate_file=o.client_certificate,
        headers=dict(o.headers),
        timeout=o.timeout_s,
        compression=compression,
        session=_pinned_ca_session() if o.certificate else None,
    )


def _grpc(cls: Any, o: OtlpConfig, endpoint: str) -> Any:
    import grpc

    scheme = urlparse(endpoint).scheme if "://" in endpoint else ""
    if scheme == "https":
        insecure = False
    elif o.insecure is not None:
        insecure = o.insecure
    else:
        insecure = scheme == "http"
    credentials = None
    if not insecure:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(o.certificate),
            private_key=_read(o.client_key),
            certificate_chain=_read(o.client_certificate),
        )
        if scheme == "http":
            endpoint = "https://" + endpoint.split("://", 1)[1]
    _warn_plaintext_credentials(endpoint, o.headers, not insecure)
    compression = {"gzip": grpc.Compression.Gzip, "deflate": grpc.Compression.Deflate}.get(
        o.compression or "none", grpc.Compression.NoCompression
    )
    # Lower-case metadata keys: gRPC rejects upper-case ones.
    headers = {k.lower(): v for k, v in o.headers.items()}
    return cls(
        endpoint=endpoint,
        insecure=insecure,
        credentials=credentials,
        headers=headers or None,
        timeout=o.timeout_s,
        compression=compression,
    )


def _read(path: str | None) -> bytes | None:
    return Path(path).expanduser().read_bytes() if path else None


def _pinned_ca_session() -> Any:
    """A requests session that keeps *our* CA bundle even when ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` are set (requests lets those override a session's ``verify``)."""
    import requests

    class PinnedCASession(requests.Session):
        def merge_environment_settings(self, *args: Any, **kwargs: Any) -> Any:
            settings = super().merge_environment_settings(*args, **kwargs)
            settings["verify"] = self.verify
            return settings

    return PinnedCASession()


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _warn_plaintext_credentials(endpoint: str, headers: Mapping[str, str], secure: bool) -> None:
    if secure or not headers:
        return
    url = endpoint if "://" in endpoint else "http://" + endpoint
    host = urlparse(url).hostname
    if _is_loopback(host):
        return
    names = sorted(k for k in headers if any(h in k.lower() for h in _SECRET_HINTS))
    if names:
        logger.warning(
            "OTLP exporter sends credential header(s) %s over plaintext to %s; use https / "
            "TLS (header values are not logged)",
            names,
            host,
        )
