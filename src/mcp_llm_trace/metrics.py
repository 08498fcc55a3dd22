"""Metrics: standard GenAI/MCP instruments plus the SDK's self-metrics, bounded cardinality.

:class:`MetricsCollector` wraps an OTel ``Meter``. Every measurement's attributes go
through an allow-list of dimension keys (``metrics.dimensions``) and a per-key cap on
distinct values (``metrics.max_values_per_dimension``); values past the cap are
reported as ``"other"`` — so a tenant id or user id can never explode the series count.

Standard instruments (names from the OTel semconv packages):
``gen_ai.client.token.usage``, ``gen_ai.client.operation.duration``,
``gen_ai.client.operation.time_to_first_chunk``, ``mcp.server.operation.duration``,
``mcp.client.operation.duration``; project ones: ``mcp_llm_trace.cost`` (USD),
``mcp_llm_trace.tool.invocations``, ``mcp_llm_trace.tool.errors``,
``mcp_llm_trace.requests``, ``mcp_llm_trace.cache.requests``, ``mcp_llm_trace.retries``,
``mcp_llm_trace.spans.dropped{reason}``, ``mcp_llm_trace.spans.exported``,
``mcp_llm_trace.spans.spooled``, ``mcp_llm_trace.spans.replayed``,
``mcp_llm_trace.internal_errors``, ``mcp_llm_trace.scrub.redactions``,
``mcp_llm_trace.export.queue_depth``; setup adds ``mcp_llm_trace.export.circuit_breaker.state``,
``mcp_llm_trace.export.spool.{usage,limit,spans}`` and, with budgets,
``mcp_llm_trace.quota.utilization``.

Example::

    mc = mlt.MetricsCollector(meter_provider.get_meter("my-app"))
    orders = mc.counter("shop.orders", unit="{order}", description="Orders placed")
    mc.add(orders, 1, {"tenant.id": "acme"})
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.metrics import (
    CallbackOptions,
    Counter,
    Histogram,
    Meter,
    NoOpMeter,
    Observation,
    UpDownCounter,
)
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics, mcp_metrics
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace._internal.stats import DROP_REASONS, STATS

OTHER = "other"

# Bucket boundaries recommended by the GenAI semconv.
_DURATION_BUCKETS = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)
_TOKEN_BUCKETS = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)


#: The standard instruments: (short key, kind, name, unit, description).
_STANDARD: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "token_usage",
        "histogram",
        gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
        "{token}",
        "Tokens used per operation",
    ),
    (
        "duration",
        "histogram",
        gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
        "s",
        "GenAI operation duration",
    ),
    (
        "ttfc",
        "histogram",
        gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
        "s",
        "Time to first streamed chunk",
    ),
    (
        "mcp_server",
        "histogram",
        mcp_metrics.MCP_SERVER_OPERATION_DURATION,
        "s",
        "MCP server request duration",
    ),
    (
        "mcp_client",
        "histogram",
        mcp_metrics.MCP_CLIENT_OPERATION_DURATION,
        "s",
        "MCP client request duration",
    ),
    (
        "db_duration",
        "histogram",
        "db.client.operation.duration",
        "s",
        "Database operation duration",
    ),
    ("cost", "counter", "mcp_llm_trace.cost", "USD", "Computed LLM cost"),
    ("tool_calls", "counter", "mcp_llm_trace.tool.invocations", "{call}", "Tool invocations"),
    ("tool_errors", "counter", "mcp_llm_trace.tool.errors", "{call}", "Failed tool invocations"),
    ("requests", "counter", "mcp_llm_trace.requests", "{request}", "Operations by user/tenant"),
    ("cache", "counter", "mcp_llm_trace.cache.requests", "{request}", "Cache lookups by hit/miss"),
    ("retries", "counter", "mcp_llm_trace.retries", "{retry}", "Retries of an operation"),
)


class MetricsCollector:
    """Counters, histograms, up-down counters and observable gauges with bounded
    attribute sets. Thread-safe. A collector over a no-op meter costs almost nothing.
    """

    def __init__(
        self,
        meter: Meter | None = None,
        *,
        dimensions: Sequence[str] | None = None,
        max_values_per_dimension: int = 100,
    ) -> None:
        self.meter: Meter = meter if meter is not None else NoOpMeter("mcp_llm_trace")
        self.dimensions = frozenset(dimensions) if dimensions is not None else None
        self.max_values = max_values_per_dimension
        self._seen: dict[str, set[Any]] = {}
        self._lock = threading.Lock()
        self._standard: dict[str, Any] = {}

    # ------------------------------------------------------------------ generic API
    def counter(self, name: str, *, unit: str = "1", description: str = "") -> Counter:
        """A monotonic counter."""
        return self.meter.create_counter(name, unit=unit, description=description)

    def histogram(
        self,
        name: str,
        *,
        unit: str = "s",
        description: str = "",
        boundaries: Sequence[float] | None = None,
    ) -> Histogram:
        """A histogram (explicit bucket boundaries optional)."""
        if boundaries is not None:
            return self.meter.create_histogram(
                name,
                unit=unit,
                description=description,
                explicit_bucket_boundaries_advisory=list(boundaries),
            )
        return self.meter.create_histogram(name, unit=unit, description=description)

    def up_down_counter(
        self, name: str, *, unit: str = "1", description: str = ""
    ) -> UpDownCounter:
        """A counter that can go down (in-flight requests, queue depth)."""
        return self.meter.create_up_down_counter(name, unit=unit, description=description)

    def observable_gauge(
        self,
        name: str,
        callback: Callable[[], Iterable[tuple[float, Mapping[str, AttributeValue]]]],
        *,
        unit: str = "1",
        description: str = "",
    ) -> None:
        """A gauge read at collection time from ``callback() -> [(value, attrs)]``."""

        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [Observation(v, self.bound(a)) for v, a in callback()]

        self.meter.create_observable_gauge(
            name, callbacks=[observe], unit=unit, description=description
        )

    def observable_counter(
        self,
        name: str,
        callback: Callable[[], Iterable[tuple[float, Mapping[str, AttributeValue]]]],
        *,
        unit: str = "1",
        description: str = "",
    ) -> None:
        """A monotonic counter read at collection time."""

        def observe(_: CallbackOptions) -> Iterable[Observation]:
            return [Observation(v, self.bound(a)) for v, a in callback()]

        self.meter.create_observable_counter(
            name, callbacks=[observe], unit=unit, description=description
        )

    def bound(self, attributes: Mapping[str, AttributeValue] | None) -> dict[str, AttributeValue]:
        """Keep only allowed keys; cap distinct values per key (overflow → ``"other"``)."""
        if not attributes:
            return {}
        out: dict[str, AttributeValue] = {}
        for key, value in attributes.items():
            if self.dimensions is not None and key not in self.dimensions:
                continue
            seen = self._seen.get(key)
            if seen is None:
                with self._lock:
                    seen = self._seen.setdefault(key, set())
            # Sequence values (valid OTel attribute values) are lists: unhashable.
            marker = tuple(value) if isinstance(value, list) else value
            if marker not in seen:
                with self._lock:
                    if len(seen) >= self.max_values:
                        value = OTHER
                    else:
                        seen.add(marker)
            out[key] = value
        return out

    def add(
        self,
        counter: Counter | UpDownCounter,
        amount: float,
        attributes: Mapping[str, AttributeValue] | None = None,
    ) -> None:
        """Add to a counter with bounded attributes."""
        counter.add(amount, self.bound(attributes))

    def record(
        self,
        histogram: Histogram,
        value: float,
        attributes: Mapping[str, AttributeValue] | None = None,
    ) -> None:
        """Record a histogram value with bounded attributes."""
        histogram.record(value, self.bound(attributes))

    # ------------------------------------------------------------------ standard set
    def install_standard(self, queue_depth: Callable[[], int] | None = None) -> None:
        """Create the GenAI/MCP instruments and the self-metrics (idempotent)."""
        if self._standard:
            return
        for key, kind, name, unit, description in _STANDARD:
            if kind == "histogram":
                buckets = _TOKEN_BUCKETS if unit == "{token}" else _DURATION_BUCKETS
                self._standard[key] = self.histogram(
                    name, unit=unit, description=description, boundaries=buckets
                )
            else:
                self._standard[key] = self.counter(name, unit=unit, description=description)

        def dropped() -> list[tuple[float, Mapping[str, AttributeValue]]]:
            # Every reason, zeros included: a series that exists from the start lets
            # ``increase()`` alerts fire on the first drop instead of the second.
            snap = STATS.snapshot()["dropped"]
            reasons = [r for r in DROP_REASONS if r != "attribute_limit"]
            reasons += [r for r in snap if r not in reasons]
            return [(float(snap.get(r, 0)), {"reason": r}) for r in reasons]

        def simple(name: str) -> Callable[[], list[tuple[float, Mapping[str, AttributeValue]]]]:
            return lambda: [(float(STATS.get(name)), {})]

        def errors() -> list[tuple[float, Mapping[str, AttributeValue]]]:
            snap = STATS.snapshot()["internal_errors"]
            return [(float(n), {"kind": k}) for k, n in snap.items()]

        def redactions() -> list[tuple[float, Mapping[str, AttributeValue]]]:
            snap = STATS.snapshot()["redactions"]
            return [(float(n), {"entity_type": k}) for k, n in snap.items()]

        # Self-metric attribute keys are fixed and tiny; they bypass the allow-list.
        raw = MetricsCollector(self.meter, dimensions=None)
        raw.observable_counter(
            "mcp_llm_trace.spans.dropped",
            dropped,
            unit="{span}",
            description="Spans dropped, by reason",
        )
        raw.observable_counter(
            "mcp_llm_trace.spans.exported",
            simple("exported"),
            unit="{span}",
            description="Spans exported",
        )
        raw.observable_counter(
            "mcp_llm_trace.spans.spooled",
            simple("spooled"),
            unit="{span}",
            description="Spans written to the disk spool",
        )
        raw.observable_counter(
            "mcp_llm_trace.spans.replayed",
            simple("replayed"),
            unit="{span}",
            description="Spooled spans delivered after the destination recovered",
        )
        raw.observable_counter(
            "mcp_llm_trace.internal_errors",
            errors,
            unit="{error}",
            description="Internal errors swallowed, by kind",
        )
        raw.observable_counter(
            "mcp_llm_trace.scrub.redactions",
            redactions,
            unit="{redaction}",
            description="Redactions by entity type",
        )
        if queue_depth is not None:
            raw.observable_gauge(
                "mcp_llm_trace.export.queue_depth",
                lambda: [(float(queue_depth()), {})],
                unit="{span}",
                description="Spans waiting in the export queue",
            )

    def instrument(self, key: str) -> Any:
        """A standard instrument by short key (``token_usage``, ``duration``, ``cost`` …),
        or None before :meth:`install_standard`."""
        return self._standard.get(key)
