"""compute_cost / Usage / matching / register_price over the shipped table."""

from __future__ import annotations

import logging
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from mcp_llm_trace.pricing import (
    Cost,
    Usage,
    compute_cost,
    get_price_table,
    register_price,
    reset_price_table,
    use_price_files,
)

AT = datetime(2025, 9, 1, 12, tzinfo=timezone.utc)


@pytest.fixture
def fresh() -> None:
    """A fresh default table for tests that add layers (others share the loaded one)."""
    reset_price_table()
    yield
    reset_price_table()


def _price(model: str, provider: str | None, key: str, at: datetime = AT) -> Decimal:
    entry = get_price_table().find(model, provider)
    assert entry is not None, model
    value = entry.prices_at(at.date(), at.time()).prices[key]
    assert isinstance(value, Decimal)
    return value


def test_cost_is_decimal_and_components_add_up() -> None:
    usage = Usage(
        input_tokens=10_000, output_tokens=2_000, cache_read_tokens=6_000, reasoning_tokens=500
    )
    cost = compute_cost("gpt-4o", "openai", usage, AT)
    p_in, p_out = _price("gpt-4o", "openai", "input"), _price("gpt-4o", "openai", "output")
    p_cr = _price("gpt-4o", "openai", "cache_read")
    m = Decimal(1_000_000)
    assert cost.priced
    assert cost.currency == "USD"
    assert cost.input == 4_000 * p_in / m  # cache reads are not billed again as input
    assert cost.cache_read == 6_000 * p_cr / m
    assert cost.output == 1_500 * p_out / m  # reasoning split out, billed at output price
    assert cost.reasoning == 500 * p_out / m
    assert (
        cost.total == cost.input + cost.cache_read + cost.cache_write + cost.output + cost.reasoning
    )
    assert all(isinstance(getattr(cost, f), Decimal) for f in ("input", "output", "total"))
    assert "openai/gpt-4o" in cost.price_source


def test_no_loose_prefix_matching() -> None:
    table = get_price_table()
    mini = table.find("gpt-4o-mini", "openai")
    full = table.find("gpt-4o", "openai")
    assert mini is not None
    assert full is not None
    assert (mini.id, full.id) == ("gpt-4o-mini", "gpt-4o")
    assert table.find("gpt-4o-2024-08-06", "openai").id == "gpt-4o"
    assert table.find("gpt-4o-mini-2024-07-18", "openai").id == "gpt-4o-mini"
    assert table.find("gpt-4o-something-new", "openai") is None


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        ("anthropic", "anthropic"),
        ("gcp.vertex_ai", "google"),
        ("gcp.gemini", "google"),
        ("google", "google"),
        ("vertex", "google"),
        ("aws.bedrock", "bedrock"),
        ("bedrock", "bedrock"),
        ("azure.ai.openai", "azure"),
        ("azure", "azure"),
        ("mistral_ai", "mistral"),
        ("x_ai", "xai"),
        ("xai", "xai"),
        ("openai", "openai"),
    ],
)
def test_provider_names_and_aliases(provider: str, expected: str) -> None:
    assert get_price_table().resolve_provider(provider) == expected


def test_provider_none_resolves_from_model_id() -> None:
    table = get_price_table()
    assert table.find("claude-3-5-sonnet-20241022").provider == "anthropic"
    assert table.find("gemini-2.5-pro").provider == "google"
    assert table.find("gpt-4o").provider == "openai"
    assert table.find("anthropic/claude-3-5-haiku-20241022").provider == "anthropic"


def test_azure_falls_back_to_openai_prices() -> None:
    usage = Usage(input_tokens=1000, output_tokens=100)
    azure = compute_cost("gpt-4o", "azure.ai.openai", usage, AT)
    assert azure.priced
    assert azure.total == compute_cost("gpt-4o", "openai", usage, AT).total


def test_price_history_uses_the_price_in_force_at_the_time() -> None:
    # o3 was cut from $10/$40 to $2/$8 per 1M tokens on 2025-06-10 (genai-prices data).
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    before = compute_cost("o3", "openai", usage, date(2025, 6, 9))
    after = compute_cost("o3", "openai", usage, date(2025, 6, 10))
    assert before.total == _price("o3", "openai", "input", datetime(2025, 6, 9)) + _price(
        "o3", "openai", "output", datetime(2025, 6, 9)
    )
    assert before.total > after.total


def test_tier_by_prompt_size() -> None:
    table = get_price_table()
    tiered = next(
        e
        for e in table.entries()
        if e.provider == "google" and hasattr(e.history[-1].prices.get("input"), "tiers")
    )
    price = tiered.history[-1].prices["input"]
    above = price.tiers[0].above
    small = compute_cost(tiered.id, "google", Usage(above, 0), AT)
    large = compute_cost(tiered.id, "google", Usage(above + 1, 0), AT)
    assert small.input == above * price.base / 1_000_000
    assert large.input == (above + 1) * price.tiers[0].price / 1_000_000


def test_unknown_model_is_unpriced_with_one_warning(
    fresh: None, caplog: pytest.LogCaptureFixture
) -> None:
    usage = Usage(input_tokens=10, output_tokens=10)
    with caplog.at_level(logging.WARNING, logger="mcp_llm_trace.pricing"):
        first = compute_cost("totally-unknown-model-x", "openai", usage)
        second = compute_cost("totally-unknown-model-x", "openai", usage)
    assert first == second
    assert first.priced is False
    assert first.total == 0
    warnings = [r for r in caplog.records if "totally-unknown-model-x" in r.getMessage()]
    assert len(warnings) == 1


def test_unknown_provider_is_unpriced() -> None:
    assert not compute_cost("gpt-4o", "nonexistent-cloud", Usage(1, 1)).priced


def test_usage_validation_and_anthropic_helper() -> None:
    with pytest.raises(ValueError, match="exceed input_tokens"):
        Usage(input_tokens=10, output_tokens=0, cache_read_tokens=11)
    with pytest.raises(ValueError):
        Usage(input_tokens=-1, output_tokens=0)
    u = Usage.from_anthropic(100, 20, cache_read_input_tokens=900, cache_creation_input_tokens=50)
    assert (u.input_tokens, u.cache_read_tokens, u.cache_write_tokens) == (1050, 900, 50)
    assert u.uncached_input_tokens == 100


def test_anthropic_cache_write_and_read_prices() -> None:
    usage = Usage.from_anthropic(
        1000, 100, cache_read_input_tokens=5000, cache_creation_input_tokens=2000
    )
    cost = compute_cost("claude-3-5-haiku-20241022", "anthropic", usage, AT)
    m = Decimal(1_000_000)
    assert (
        cost.cache_write == 2000 * _price("claude-3-5-haiku-latest", "anthropic", "cache_write") / m
    )
    assert (
        cost.cache_read == 5000 * _price("claude-3-5-haiku-latest", "anthropic", "cache_read") / m
    )
    assert cost.input == 1000 * _price("claude-3-5-haiku-latest", "anthropic", "input") / m


def test_register_price_overrides_and_adds(fresh: None) -> None:
    register_price("acme-llm", provider="acme", input="1.5", output="6", aliases=["acme-llm-v1"])
    cost = compute_cost("acme-llm-v1", "acme", Usage(1_000_000, 1_000_000))
    assert cost.total == Decimal("7.5")
    assert cost.priced
    register_price("gpt-4o", provider="openai", input="100", output="100")
    assert compute_cost("gpt-4o", "openai", Usage(1_000_000, 0)).total == Decimal(100)
    with pytest.raises(TypeError):
        register_price("x", input=1.5, output="1")  # type: ignore[arg-type]


def test_register_price_with_effective_from_appends_history(fresh: None) -> None:
    register_price("acme", provider="acme", input="1", output="1")
    register_price("acme", provider="acme", input="2", output="2", effective_from=date(2030, 1, 1))
    usage = Usage(1_000_000, 0)
    assert compute_cost("acme", "acme", usage, date(2029, 12, 31)).total == 1
    assert compute_cost("acme", "acme", usage, date(2030, 1, 1)).total == 2


def test_user_price_file_layers_over_shipped(fresh: None, tmp_path: Path) -> None:
    f = tmp_path / "custom.yml"
    f.write_text(
        "provider: openai\ncurrency: USD\nsource: {name: ours}\nmodels:\n"
        "- id: gpt-4o\n  provenance: {source: contract, url: internal, checked: '2025-01-01'}\n"
        "  prices:\n  - {input: '1', output: '2'}\n",
        encoding="utf-8",
    )
    use_price_files([f])
    cost = compute_cost("gpt-4o", "openai", Usage(1_000_000, 1_000_000))
    assert cost.total == 3
    assert get_price_table().version.endswith("+u1")


def test_broken_user_file_warns_and_is_skipped(
    fresh: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    f = tmp_path / "broken.yml"
    f.write_text("not: [valid", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mcp_llm_trace.pricing"):
        use_price_files([f])
    assert any("broken.yml" in r.getMessage() for r in caplog.records)
    assert compute_cost("gpt-4o", "openai", Usage(1, 1)).priced


def test_unpriced_cost_helper() -> None:
    c = Cost.unpriced("why")
    assert (c.priced, c.total, c.price_source) == (False, 0, "why")
