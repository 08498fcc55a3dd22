"""QuotaTracker: per-tenant/user accounting, utilization, threshold crossings, windows."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from mcp_llm_trace.config import BudgetConfig
from mcp_llm_trace.pricing import Cost, Usage
from mcp_llm_trace.pricing.quota import QuotaTracker

DAY1 = datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
DAY2 = datetime(2026, 1, 2, 10, tzinfo=timezone.utc)


def _cost(total: str) -> Cost:
    z = Decimal(0)
    return Cost(z, z, z, z, z, Decimal(total))


def test_utilization_and_thresholds_once_per_window() -> None:
    tracker = QuotaTracker(
        [
            BudgetConfig("tenant", "acme", "day", tokens=1000),
            BudgetConfig("user", "u1", "month", usd="2"),
        ]
    )
    assert tracker.record(usage=Usage(500, 200), tenant_id="acme", at=DAY1) == []
    crossed = tracker.record(usage=Usage(100, 50), tenant_id="acme", at=DAY1)
    assert [c.threshold for c in crossed] == [0.8]
    assert tracker.record(usage=Usage(10, 0), tenant_id="acme", at=DAY1) == []  # once
    crossed = tracker.record(usage=Usage(200, 0), tenant_id="acme", at=DAY1)
    assert [(c.scope, c.id, c.threshold) for c in crossed] == [("tenant", "acme", 1.0)]
    assert (
        tracker.record(usage=Usage(1, 1), cost=_cost("1.7"), user_id="u1", at=DAY1)[0].threshold
        == 0.8
    )
    util = {(s, i): f for s, i, f in tracker.utilization(DAY1)}
    assert util[("tenant", "acme")] == (500 + 200 + 150 + 10 + 200) / 1000
    assert util[("user", "u1")] == 0.85
    # New day: the daily tenant budget starts over, the monthly user budget does not.
    util2 = {(s, i): f for s, i, f in tracker.utilization(DAY2)}
    assert util2[("tenant", "acme")] == 0.0
    assert util2[("user", "u1")] == 0.85
    assert len(tracker.drain_crossings()) == 3
    assert tracker.drain_crossings() == []


def test_on_cost_callback_reads_tenant_and_user_attributes() -> None:
    tracker = QuotaTracker([BudgetConfig("tenant", "t9", "day", tokens=10)])
    tracker.on_cost(_cost("0"), Usage(8, 0), {"tenant.id": "t9", "user.id": "x"})
    ((scope, ident, frac),) = tracker.utilization()
    assert (scope, ident, frac) == ("tenant", "t9", 0.8)
    assert tracker.drain_crossings()[0].threshold == 0.8


def test_unpriced_cost_does_not_count_as_spend() -> None:
    tracker = QuotaTracker([BudgetConfig("tenant", "a", "day", usd="1")])
    tracker.record(usage=Usage(1, 1), cost=Cost.unpriced(), tenant_id="a")
    assert tracker.utilization()[0][2] == 0.0
