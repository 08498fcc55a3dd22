"""Cost computation: :func:`compute_cost` and :func:`register_price` over the default table.

Rules (the same as genai-prices, verified against it in tests):
- ``Usage.input_tokens`` includes cache reads/writes; cache reads are billed at the
  cache-read price (or the input price when the model has none) and never twice.
- ``Usage.output_tokens`` includes reasoning; reasoning is billed at the model's
  reasoning price when it has one, else at the output price. ``Cost.reasoning`` is that
  share, split out of the output so that ``llm.cost.completion_details.reasoning`` is
  meaningful; the total is the same either way.
- Tiered prices apply to ALL tokens when the prompt (input incl. cache) exceeds the tier.
- The price in force at ``at`` (UTC; default now) is used: history by ``effective_from``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from mcp_llm_trace.pricing.model import (
    PRICE_KEYS,
    Cost,
    PriceEntry,
    PricePoint,
    PriceValue,
    TieredPrice,
    Usage,
)
from mcp_llm_trace.pricing.table import PriceTable

logger = logging.getLogger("mcp_llm_trace.pricing")

__all__ = [
    "compute_cost",
    "cost_for_entry",
    "get_price_table",
    "register_price",
    "reset_price_table",
    "use_price_files",
]

_MILLION = Decimal(1_000_000)
_ZERO = Decimal(0)
_lock = threading.Lock()
_table: PriceTable | None = None
_user_files: set[str] = set()
_warned: set[tuple[str | None, str]] = set()
_WARN_MAX = 1000


def get_price_table() -> PriceTable:
    """The process-wide table: shipped data + user files + ``register_price`` entries.

    Loaded lazily on first use (YAML parse, ~0.1–0.3 s), then shared.
    """
    global _table
    table = _table
    if table is None:
        with _lock:
            if _table is None:
                _table = PriceTable.shipped()
            table = _table
    return table


def reset_price_table() -> None:
    """Forget the table, user layers and one-time warnings (tests)."""
    global _table
    with _lock:
        _table = None
        _user_files.clear()
        _warned.clear()


def use_price_files(paths: Iterable[str | Path]) -> None:
    """Layer user price files (config ``pricing.files``) over the shipped table.

    Each file is loaded once. A broken file is reported (one warning naming it) and
    skipped: bad configuration never breaks the host application.
    """
    table = get_price_table()
    for p in paths:
        key = str(Path(p).resolve())
        if key in _user_files:
            continue
        _user_files.add(key)
        try:
            table.add_file(p, user=True)
        except Exception as exc:
            logger.warning("pricing.files: cannot load %s (%s); ignoring it", p, exc)


def _as_utc(at: datetime | date | None) -> datetime:
    if at is None:
        return datetime.now(timezone.utc)
    if not isinstance(at, datetime):
        return datetime(at.year, at.month, at.day, 12, tzinfo=timezone.utc)
    if at.tzinfo is None:
        return at.replace(tzinfo=timezone.utc)  # naive = UTC, as genai-prices does
    return at.astimezone(timezone.utc)


def cost_for_entry(entry: PriceEntry, usage: Usage, at: datetime | date | None = None) -> Cost:
    """Cost of ``usage`` with ``entry``'s prices in force at ``at``."""
    when = _as_utc(at)
    point: PricePoint = entry.prices_at(when.date(), when.timetz().replace(tzinfo=None))
    prices = point.prices
    n_in = usage.input_tokens

    def price(key: str) -> Decimal | None:
        value: PriceValue | None = prices.get(key)
        if value is None:
            return None
        return value.for_input(n_in) if isinstance(value, TieredPrice) else value

    p_in = price("input") or _ZERO
    p_out = price("output") or _ZERO
    # Tokens of a kind without its own price are billed at the parent's price.
    p_cache_read = price("cache_read")
    p_cache_write = price("cache_write")
    p_audio_in = price("input_audio")
    p_reasoning = price("reasoning")
    p_audio_out = price("output_audio")
    audio_in = usage.input_audio_tokens if p_audio_in is not None else 0
    audio_out = usage.output_audio_tokens if p_audio_out is not None else 0
    text_in = max(0, usage.uncached_input_tokens - audio_in)
    text_out = max(0, usage.output_tokens - usage.reasoning_tokens - audio_out)

    c_input = (text_in * p_in + audio_in * (p_audio_in or _ZERO)) / _MILLION
    c_cache_read = usage.cache_read_tokens * (p_in if p_cache_read is None else p_cache_read)
    c_cache_write = usage.cache_write_tokens * (p_in if p_cache_write is None else p_cache_write)
    c_output = (text_out * p_out + audio_out * (p_audio_out or _ZERO)) / _MILLION
    c_reasoning = usage.reasoning_tokens * (p_out if p_reasoning is None else p_reasoning)
    c_request = price("per_request") or _ZERO
    parts = (c_input, c_cache_read / _MILLION, c_cache_write / _MILLION, c_output)
    c_reasoning /= _MILLION
    total = sum(parts, _ZERO) + c_reasoning + c_request
    return Cost(
        input=c_input,
        output=c_output,
        cache_read=parts[1],
        cache_write=parts[2],
        reasoning=c_reasoning,
        total=total,
        currency=entry.currency,
        price_source=f"{entry.source}:{entry.provider}/{entry.id}",
        priced=True,
        request=c_request,
        model_id=entry.id,
        provider=entry.provider,
    )


def compute_cost(
    model: str,
    provider: str | None = None,
    usage: Usage | None = None,
    at: datetime | date | None = None,
    *,
    table: PriceTable | None = None,
) -> Cost:
    """Exact cost (``Decimal``) of one call.

    ``provider`` takes OTel ``gen_ai.provider.name`` values (``openai``, ``anthropic``,
    ``gcp.gemini``, ``aws.bedrock`` …) or common aliases (``google``, ``bedrock`` …);
    ``None`` resolves from the model id when unambiguous. An unknown model returns
    ``Cost(priced=False)`` and logs one warning naming it — never a silent $0.

    >>> from mcp_llm_trace.pricing import Usage, compute_cost
    >>> c = compute_cost("gpt-4o", "openai", Usage(input_tokens=1_000_000, output_tokens=0),
    ...                  at=datetime(2025, 1, 1))
    >>> (c.total, c.priced)
    (Decimal('2.5'), True)
    """
    if usage is None:
        raise TypeError("compute_cost() needs usage=Usage(input_tokens=..., output_tokens=...)")
    tbl = table or get_price_table()
    hit = tbl.lookup(model, provider) if model else None
    if hit is None:
        _warn_once(model, provider, tbl)
        return Cost.unpriced(f"no price for model {model!r} (provider {provider!r})")
    cost = cost_for_entry(hit.entry, usage, at)
    if hit.region is not None:
        cost = replace(cost, region=hit.region, region_unknown=hit.region_unknown)
    return cost


def _warn_once(model: str, provider: str | None, table: PriceTable) -> None:
    key = (provider, model)
    with _lock:
        if key in _warned or len(_warned) >= _WARN_MAX:
            return
        _warned.add(key)
    if provider and provider.strip().lower() == "openrouter":
        why = "an OpenRouter id of a vendor we do not price, or a ':free' variant"
    elif provider and table.resolve_provider(provider) is None:
        why = f"unknown provider {provider!r}"
    else:
        why = "not in the price table (or ambiguous without a provider)"
    logger.warning(
        "mcp-llm-trace: no price for model %r (%s); cost is reported as unpriced. "
        "Add it with register_price() or a pricing.files YAML.",
        model,
        why,
    )


def register_price(
    model: str,
    *,
    input: str | Decimal | int,
    output: str | Decimal | int,
    provider: str = "custom",
    cache_read: str | Decimal | int | None = None,
    cache_write: str | Decimal | int | None = None,
    reasoning: str | Decimal | int | None = None,
    input_audio: str | Decimal | int | None = None,
    output_audio: str | Decimal | int | None = None,
    per_request: str | Decimal | int | None = None,
    aliases: Iterable[str] = (),
    regex: Iterable[str] = (),
    effective_from: date | None = None,
    currency: str = "USD",
    source: str = "register_price",
    provider_names: Iterable[str] = (),
) -> None:
    """Add or override one model's price (USD per million tokens) in this process.

    Layered over the shipped table: it wins for this model. With ``effective_from``
    the price is appended to the model's history instead of replacing it.

    >>> register_price("acme-llm", provider="acme", input="1.5", output="6")
    """
    import re

    given = {
        "input": input,
        "output": output,
        "cache_read": cache_read,
        "cache_write": cache_write,
        "reasoning": reasoning,
        "input_audio": input_audio,
        "output_audio": output_audio,
        "per_request": per_request,
    }
    prices: dict[str, PriceValue] = {}
    for key in PRICE_KEYS:
        value = given[key]
        if value is None:
            continue
        if isinstance(value, (float, bool)):
            raise TypeError(f"register_price({key}=...): use a decimal string, not {value!r}")
        prices[key] = Decimal(value) if not isinstance(value, Decimal) else value
    table = get_price_table()
    pid = table.resolve_provider(provider) or provider.lower()
    history: tuple[PricePoint, ...] = (PricePoint(prices, effective_from),)
    if effective_from is not None:
        old = table.find(model, pid)
        if old is not None and old.provider == pid and old.id.lower() == model.lower():
            merged = [p for p in old.history if p.effective_from != effective_from]
            merged.append(history[0])
            history = tuple(sorted(merged, key=lambda p: p.effective_from or date.min))
    entry = PriceEntry(
        provider=pid,
        id=model,
        history=history,
        aliases=frozenset(a.lower() for a in aliases),
        regex=tuple(re.compile(r).pattern for r in regex),  # fail early on a bad regex
        currency=currency,
        source=source,
    )
    table.add_entry(entry, provider_names=provider_names)
    with _lock:
        _warned.discard((provider, model))


def usage_from_mapping(values: Mapping[str, int]) -> Usage:
    """``Usage`` from a plain dict with the field names (helper for the CLI)."""
    return Usage(**{k: int(v) for k, v in values.items() if v is not None})
