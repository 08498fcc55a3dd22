"""Quota utilization per tenant/user (config ``pricing.budgets``), in process.

:class:`QuotaTracker` adds up tokens and cost per budget in the current UTC ``day`` or
``month`` window and reports ``utilization()`` → ``[(scope, id, fraction)]`` for the
observable gauge ``mcp_llm_trace.quota.utilization`` (fraction = the larger of
tokens-used/token-limit and usd-used/usd-limit; 1.0 = budget used up). Each
:meth:`QuotaTracker.record` returns the thresholds (80 %, 100 % by default) crossed by
that call, once per window, so the caller can add a span event or log line.

Across instances: the accounting is per process (no shared state, no network). Each
replica reports its own gauge; for fleet-wide budgets aggregate the ``mcp_llm_trace.cost``
and ``gen_ai.client.token.usage`` counters by ``tenant.id``/``user.id`` in the metrics
backend (e.g. PromQL ``sum by (tenant_id) (increase(mcp_llm_trace_cost_total[1d]))``
divided by the budget), or give each of N replicas 1/N of the budget. See docs/pricing.md.

Example::

    tracker = QuotaTracker(cfg.pricing.budgets)
    for crossing in tracker.record(tenant_id="acme", usage=usage, cost=cost):
        span.add_event("quota.threshold", {"threshold": crossing.threshold})
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.config import BudgetConfig
from mcp_llm_trace.pricing.model import Cost, Usage

__all__ = ["QuotaTracker", "ThresholdCrossing"]


@dataclass(frozen=True)
class ThresholdCrossing:
    """A budget passed ``threshold`` (0.8 = 80 %) of its limit in the current window."""

    scope: str
    id: str
    threshold: float
    fraction: float
    period: str
    window: str


@dataclass
class _Account:
    budget: BudgetConfig
    window: str = ""
    tokens: int = 0
    usd: Decimal = Decimal(0)
    crossed: float = 0.0

    def fraction(self) -> float:
        parts = []
        if self.budget.tokens:
            parts.append(self.tokens / self.budget.tokens)
        if self.budget.usd and Decimal(self.budget.usd) > 0:
            parts.append(float(self.usd / Decimal(self.budget.usd)))
        return max(parts, default=0.0)


def _window(period: str, now: datetime) -> str:
    return now.strftime("%Y-%m") if period == "month" else now.strftime("%Y-%m-%d")


class QuotaTracker:
    """Thread-safe in-process budget accounting. ``on_cost`` plugs into
    :class:`~mcp_llm_trace.pricing.enrich.CostEnrichmentTransform` directly."""

    def __init__(
        self, budgets: Sequence[BudgetConfig], thresholds: Sequence[float] = (0.8, 1.0)
    ) -> None:
        self._accounts = [_Account(b) for b in budgets]
        self.thresholds = tuple(sorted(thresholds))
        self._lock = threading.Lock()
        self._pending: list[ThresholdCrossing] = []

    def record(
        self,
        *,
        usage: Usage | None = None,
        cost: Cost | None = None,
        tenant_id: str | None = None,
        user_id: str | None = None,
        at: datetime | None = None,
    ) -> list[ThresholdCrossing]:
        """Add one call's tokens and cost; returns thresholds newly crossed by it."""
        now = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        tokens = usage.total_tokens if usage else 0
        usd = cost.total if cost is not None and cost.priced and cost.currency == "USD" else None
        ids = {"tenant": tenant_id, "user": user_id}
        crossings: list[ThresholdCrossing] = []
        with self._lock:
            for acc in self._accounts:
                b = acc.budget
                if ids.get(b.scope) is None or ids[b.scope] != b.id:
                    continue
                window = _window(b.period, now)
                if window != acc.window:  # new day/month: start over
                    acc.window, acc.tokens, acc.usd, acc.crossed = window, 0, Decimal(0), 0.0
                acc.tokens += tokens
                acc.usd += usd or 0
                frac = acc.fraction()
                passed = [t for t in self.thresholds if acc.crossed < t <= frac]
                if passed:
                    acc.crossed = passed[-1]
                    crossings.append(
                        ThresholdCrossing(b.scope, b.id, passed[-1], frac, b.period, window)
                    )
            self._pending.extend(crossings)
        return crossings

    def on_cost(self, cost: Cost, usage: Usage, attributes: Mapping[str, Any]) -> None:
        """``CostEnrichmentTransform`` callback: record by ``tenant.id``/``user.id``."""
        tenant, user = attributes.get(sc.TENANT_ID), attributes.get(sc.USER_ID)
        self.record(
            usage=usage,
            cost=cost,
            tenant_id=tenant if isinstance(tenant, str) else None,
            user_id=user if isinstance(user, str) else None,
        )

    def drain_crossings(self) -> list[ThresholdCrossing]:
        """Crossings recorded since the last call (for a log/event emitter)."""
        with self._lock:
            out, self._pending = self._pending, []
        return out

    def utilization(self, now: datetime | None = None) -> list[tuple[str, str, float]]:
        """``[(scope, id, fraction)]`` for every budget; 0.0 in a window with no usage yet."""
        now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
        with self._lock:
            return [
                (
                    a.budget.scope,
                    a.budget.id,
                    a.fraction() if a.window == _window(a.budget.period, now) else 0.0,
                )
                for a in self._accounts
            ]
