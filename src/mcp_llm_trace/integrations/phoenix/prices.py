"""Translate our price table into Phoenix custom-model prices (pure, no network).

Phoenix prices an LLM span itself, at ingest, from ``llm.model_name`` (regex *search* on
each model's ``name_pattern``), ``llm.provider`` (tie-break among matching custom
models) and the token counts: ``input`` = prompt − Σ prompt details, ``output`` =
completion − Σ completion details, and one price per detail key
(``llm.token_count.prompt_details.cache_read`` → token type ``cache_read`` …; a detail
without its own price falls back to input/output). Custom models always win over
Phoenix's built-in ones. That is exactly our :func:`~mcp_llm_trace.pricing.compute_cost`
arithmetic, so a custom model per price entry makes Phoenix's numbers equal ours.

What Phoenix cannot express is approximated and reported in ``PhoenixModelPrice.notes``:
context-size tiers (the base price is sent), per-request fees (left out), time-of-day
discounts (the all-day price is sent), and price history (the price in force at ``at``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

from mcp_llm_trace._internal.provider_names import provider_names
from mcp_llm_trace.pricing.model import PriceEntry, PricePoint, PriceValue, TieredPrice
from mcp_llm_trace.pricing.table import PriceTable

__all__ = ["PhoenixModelPrice", "TokenCost", "phoenix_model_price", "phoenix_model_prices"]

#: our price key → (Phoenix token type, kind). Token types are the detail keys our spans
#: write under ``llm.token_count.prompt_details`` / ``completion_details``.
_TOKEN_TYPES: dict[str, tuple[str, str]] = {
    "input": ("input", "PROMPT"),
    "output": ("output", "COMPLETION"),
    "cache_read": ("cache_read", "PROMPT"),
    "cache_write": ("cache_write", "PROMPT"),
    "input_audio": ("audio", "PROMPT"),
    "reasoning": ("reasoning", "COMPLETION"),
    "output_audio": ("audio", "COMPLETION"),
}

_DASHED_DATE = re.compile(r"-(20\d{2})-(\d{2})-(\d{2})(?=$|[-:@])")


@dataclass(frozen=True)
class TokenCost:
    """One Phoenix ``TokenPriceInput``: USD per million tokens of ``token_type``."""

    token_type: str
    kind: str  # PROMPT | COMPLETION
    cost_per_million_tokens: float

    def as_input(self) -> dict[str, object]:
        """The GraphQL input object."""
        return {
            "tokenType": self.token_type,
            "kind": self.kind,
            "costPerMillionTokens": self.cost_per_million_tokens,
        }


@dataclass(frozen=True)
class PhoenixModelPrice:
    """A Phoenix custom model built from one of our price entries."""

    name: str  # "<provider>/<model id>" — unique among custom models
    provider: str  # the llm.provider value our spans carry for this provider
    name_pattern: str
    costs: tuple[TokenCost, ...]
    notes: tuple[str, ...] = ()

    def as_input(self) -> dict[str, object]:
        """The GraphQL ``CreateModelMutationInput`` (add ``id`` for an update)."""
        return {
            "name": self.name,
            "provider": self.provider,
            "namePattern": self.name_pattern,
            "costs": [c.as_input() for c in self.costs],
        }


def _point_at(entry: PriceEntry, day: date) -> PricePoint:
    """The all-day price in force on ``day`` (time-of-day windows are skipped)."""
    for point in reversed(entry.history):
        started = point.effective_from is None or point.effective_from <= day
        if point.hours_utc is None and started:
            return point
    return entry.history[0]


def _base(value: PriceValue) -> Decimal:
    return value.base if isinstance(value, TieredPrice) else value


def _names(entry: PriceEntry) -> list[str]:
    """Exact spellings: id, aliases, and compact-date forms (our lookup accepts both)."""
    names = set(entry.names())
    names |= {_DASHED_DATE.sub(r"-\1\2\3", n) for n in names}
    return sorted(names, key=lambda n: (-len(n), n))


def name_pattern(entry: PriceEntry, table: PriceTable | None = None) -> str:
    """A case-insensitive, anchored pattern matching what our table maps to ``entry``:
    exact names, ``<provider>/`` prefixed names, and the entry's own full-match rules."""
    alts = [re.escape(n) for n in _names(entry)]
    for rx in entry.regex:
        # Our rules may be stored as strings or compiled patterns.
        candidate = f"(?:{getattr(rx, 'pattern', rx)})"
        try:
            re.compile(candidate)
        except re.error:
            continue
        alts.append(candidate)
    prefixes = {entry.provider}
    if table is not None and entry.provider in table.providers:
        prefixes |= set(table.providers[entry.provider].names)
    prefix = "|".join(re.escape(p) for p in sorted(prefixes))
    pattern = f"(?i)^(?:(?:{prefix})/)?(?:{'|'.join(alts)})$"
    re.compile(pattern)
    return pattern


def phoenix_model_price(
    entry: PriceEntry, table: PriceTable | None = None, at: datetime | date | None = None
) -> PhoenixModelPrice | None:
    """The Phoenix model for ``entry`` (None when it cannot be expressed: no input/output
    price or a currency other than USD)."""
    if entry.currency.upper() != "USD":
        return None
    when = at or datetime.now(timezone.utc)
    day = when.date() if isinstance(when, datetime) else when
    point = _point_at(entry, day)
    prices = point.prices
    if "input" not in prices and "output" not in prices:
        return None
    notes: list[str] = []
    costs: list[TokenCost] = []
    for key, (token_type, kind) in _TOKEN_TYPES.items():
        value = prices.get(key)
        if value is None:
            if key in ("input", "output"):
                value = Decimal(0)
            else:
                continue
        if isinstance(value, TieredPrice):
            notes.append(
                f"{key}: tiered price; Phoenix gets the base price (prompts above "
                f"{value.tiers[0].above} tokens are priced higher by us)"
            )
        costs.append(TokenCost(token_type, kind, float(_base(value))))
    if "per_request" in prices:
        notes.append("per-request fee not supported by Phoenix (left out)")
    if any(p.hours_utc for p in entry.history):
        notes.append("time-of-day discount not supported by Phoenix (all-day price sent)")
    oi_provider = provider_names(entry.provider)
    return PhoenixModelPrice(
        name=f"{entry.provider}/{entry.id}",
        provider=oi_provider.openinference if oi_provider else entry.provider,
        name_pattern=name_pattern(entry, table),
        costs=tuple(costs),
        notes=tuple(notes),
    )


def phoenix_model_prices(
    table: PriceTable,
    entries: Iterable[PriceEntry] | None = None,
    at: datetime | date | None = None,
) -> tuple[list[PhoenixModelPrice], list[tuple[str, str]]]:
    """Phoenix models for ``entries`` (default: the whole table, user layer first).

    Returns ``(models, skipped)``; ``skipped`` is ``[(name, reason)]``. Duplicates by
    name or by (pattern, provider) — Phoenix's unique keys — keep the first (the user
    layer overrides the shipped table).
    """
    models: list[PhoenixModelPrice] = []
    skipped: list[tuple[str, str]] = []
    seen_names: set[str] = set()
    seen_patterns: set[tuple[str, str]] = set()
    for entry in table.entries() if entries is None else entries:
        model = phoenix_model_price(entry, table, at)
        name = f"{entry.provider}/{entry.id}"
        if model is None:
            skipped.append((name, f"no input/output price in USD ({entry.currency})"))
            continue
        key = (model.name_pattern, model.provider)
        if model.name.lower() in seen_names or key in seen_patterns:
            continue
        seen_names.add(model.name.lower())
        seen_patterns.add(key)
        models.append(model)
    return models, skipped
