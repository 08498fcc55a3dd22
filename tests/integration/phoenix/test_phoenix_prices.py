"""Our price table → Phoenix custom models (pure; no server needed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from mcp_llm_trace.integrations.phoenix.prices import phoenix_model_prices
from mcp_llm_trace.integrations.phoenix.sync import resolve_models
from mcp_llm_trace.pricing import (
    PriceTable,
    get_price_table,
    register_price,
    reset_price_table,
)


@pytest.fixture
def table() -> Iterator[PriceTable]:
    reset_price_table()
    yield get_price_table()
    reset_price_table()


def test_every_name_we_accept_matches_its_model_pattern(table: PriceTable) -> None:
    models, skipped = phoenix_model_prices(table)
    assert not skipped
    patterns = [(m.name, m.provider, re.compile(m.name_pattern)) for m in models]
    by_name = {m.name: m for m in models}
    for entry in table.entries():
        own = by_name[f"{entry.provider}/{entry.id}"]
        for name in entry.names():
            assert re.search(own.name_pattern, name), (own.name, name)
            assert re.search(own.name_pattern, f"{entry.provider}/{name}")
            assert re.search(own.name_pattern, name.upper())
    # Exact names are anchored: no prefix pricing (gpt-4o must not price gpt-4o-mini).
    gpt4o = by_name["openai/gpt-4o"].name_pattern
    assert re.search(gpt4o, "gpt-4o") and not re.search(gpt4o, "gpt-4o-mini")
    assert len({(n, p) for n, p, _ in patterns}) == len(patterns)


def test_token_types_and_prices_follow_the_entry(table: PriceTable) -> None:
    register_price(
        "zz-llm",
        provider="acme",
        input="3.3",
        output="7.7",
        cache_read="0.5",
        cache_write="4",
        reasoning="20",
    )
    entries, unknown = resolve_models(table, ["acme:zz-llm", "no-such-model-zz"])
    assert unknown == ["no-such-model-zz"]
    [model], _ = phoenix_model_prices(table, entries)
    costs = {(c.token_type, c.kind): Decimal(str(c.cost_per_million_tokens)) for c in model.costs}
    assert costs == {
        ("input", "PROMPT"): Decimal("3.3"),
        ("output", "COMPLETION"): Decimal("7.7"),
        ("cache_read", "PROMPT"): Decimal("0.5"),
        ("cache_write", "PROMPT"): Decimal("4"),
        ("reasoning", "COMPLETION"): Decimal("20"),
    }
    assert model.name == "acme/zz-llm" and model.provider == "acme"
