"""Exporter registry: built-in exporters by name, custom ones via ``register`` or entry points.

A factory takes the effective :class:`~mcp_llm_trace.config.TelemetryConfig` and returns
an OTel ``SpanExporter``. Third-party packages can ship factories under the entry-point
group ``mcp_llm_trace.exporters``; they are looked up lazily the first time an unknown
name is requested.

Example::

    from mcp_llm_trace import ExporterRegistry
    ExporterRegistry.register("stdout-json", lambda cfg: MyJsonExporter())
    mlt.configure(traces_exporter="stdout-json")
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, ClassVar

from opentelemetry.sdk.trace.export import SpanExporter

if TYPE_CHECKING:
    from mcp_llm_trace.config import TelemetryConfig

logger = logging.getLogger("mcp_llm_trace.export")

ExporterFactory = Callable[["TelemetryConfig"], SpanExporter]
ENTRY_POINT_GROUP = "mcp_llm_trace.exporters"


class ExporterRegistry:
    """Name → exporter factory. Class-level (process-wide); thread-safe."""

    _factories: ClassVar[dict[str, ExporterFactory]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _entry_points_loaded: ClassVar[bool] = False

    @classmethod
    def register(cls, name: str, factory: ExporterFactory, *, replace: bool = False) -> None:
        """Register ``factory`` under ``name`` (lower-case). Raises ``ValueError`` if the
        name is taken and ``replace`` is false."""
        key = name.strip().lower()
        if not key or not callable(factory):
            raise ValueError("register() needs a non-empty name and a callable factory")
        with cls._lock:
            if key in cls._factories and not replace:
                raise ValueError(f"exporter {key!r} is already registered (pass replace=True)")
            cls._factories[key] = factory

    @classmethod
    def unregister(cls, name: str) -> None:
        """Remove a registered name (no error if absent)."""
        with cls._lock:
            cls._factories.pop(name.strip().lower(), None)

    @classmethod
    def names(cls) -> list[str]:
        """All names currently available (built-ins, registered, entry points)."""
        cls._load_entry_points()
        with cls._lock:
            return sorted(cls._factories)

    @classmethod
    def get(cls, name: str) -> ExporterFactory | None:
        """The factory for ``name`` or None."""
        key = name.strip().lower()
        with cls._lock:
            factory = cls._factories.get(key)
        if factory is None:
            cls._load_entry_points()
            with cls._lock:
                factory = cls._factories.get(key)
        return factory

    @classmethod
    def create(cls, name: str, cfg: TelemetryConfig) -> SpanExporter:
        """Build the exporter ``name`` for ``cfg``; ``KeyError`` naming the known ones."""
        factory = cls.get(name)
        if factory is None:
            raise KeyError(f"unknown exporter {name!r}; known: {', '.join(cls.names())}")
        return factory(cfg)

    @classmethod
    def _load_entry_points(cls) -> None:
        if cls._entry_points_loaded:
            return
        cls._entry_points_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                factory = ep.load()
            except Exception as exc:
                logger.warning("cannot load exporter entry point %r: %s", ep.name, exc)
                continue
            with cls._lock:
                cls._factories.setdefault(ep.name.lower(), factory)


# ------------------------------------------------------------------ built-ins


def _otlp(cfg: TelemetryConfig) -> SpanExporter:
    from mcp_llm_trace.export.otlp import build_otlp_exporter

    return build_otlp_exporter(cfg)


def _jaeger(cfg: TelemetryConfig) -> SpanExporter:
    # Jaeger ingests OTLP natively (4317 gRPC / 4318 HTTP); its own protocol exporters
    # were retired upstream.
    return _otlp(cfg)


def _phoenix(cfg: TelemetryConfig) -> SpanExporter:
    from dataclasses import replace

    headers = dict(cfg.otlp.headers)
    if cfg.phoenix.api_key:
        headers.setdefault("authorization", f"Bearer {cfg.phoenix.api_key}")
    endpoint = cfg.phoenix.endpoint.rstrip("/")
    if not endpoint.endswith("/v1/traces"):
        endpoint += "/v1/traces"
    otlp = replace(cfg.otlp, protocol="http/protobuf", traces_endpoint=endpoint, headers=headers)
    return _otlp(cfg.evolve(otlp=otlp))


def _zipkin(cfg: TelemetryConfig) -> SpanExporter:
    try:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter
    except ImportError as exc:  # pragma: no cover - depends on extras
        raise RuntimeError(
            "the zipkin exporter needs the [zipkin] extra: pip install 'mcp-llm-trace[zipkin]'"
        ) from exc
    return ZipkinExporter(endpoint=cfg.zipkin_endpoint, timeout=int(cfg.otlp.timeout_s))


def _console(cfg: TelemetryConfig) -> SpanExporter:
    import sys

    from opentelemetry.sdk.trace.export import ConsoleSpanExporter

    # The SDK's default ``out`` is the sys.stdout of import time; pass today's, so
    # redirected stdout (contextlib.redirect_stdout, pytest's capsys) is honoured.
    return ConsoleSpanExporter(service_name=cfg.service_name, out=sys.stdout)


def _file(cfg: TelemetryConfig) -> SpanExporter:
    from mcp_llm_trace.export.file import FileSpanExporter

    return FileSpanExporter(cfg.export.file_path, max_bytes=int(cfg.export.file_max_mb * 2**20))


def _memory(cfg: TelemetryConfig) -> SpanExporter:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    return InMemorySpanExporter()


for _name, _factory in {
    "otlp": _otlp,
    "jaeger": _jaeger,
    "phoenix": _phoenix,
    "zipkin": _zipkin,
    "console": _console,
    "file": _file,
    "memory": _memory,
}.items():
    ExporterRegistry.register(_name, _factory)
