"""Prices and cost: :func:`compute_cost`, :class:`Usage`, :class:`Cost`, :func:`register_price`.

Data lives in the repo-root ``pricing/`` directory (one YAML per provider, validated
by ``pricing/schema.json``), shipped in the wheel as ``mcp_llm_trace/_data/pricing``.
See docs/pricing.md.

Example::

    from mcp_llm_trace.pricing import Usage, compute_cost
    cost = compute_cost("gpt-4o", "openai", Usage(input_tokens=1200, output_tokens=300))
    print(cost.total, cost.currency, cost.priced)
"""

from __future__ import annotations

from mcp_llm_trace.pricing.compute import (
    compute_cost,
    cost_for_entry,
    get_price_table,
    register_price,
    reset_price_table,
    use_price_files,
)
from mcp_llm_trace.pricing.model import Cost, PriceEntry, Usage
from mcp_llm_trace.pricing.table import PriceTable, shipped_pricing_dir

__all__ = [
    "Cost",
    "PriceEntry",
    "PriceTable",
    "Usage",
    "compute_cost",
    "cost_for_entry",
    "get_price_table",
    "register_price",
    "reset_price_table",
    "shipped_pricing_dir",
    "use_price_files",
]
