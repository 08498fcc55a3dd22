"""Price table data model: :class:`Usage`, :class:`Cost` and the parsed YAML entries.

Money is ``Decimal`` end to end; prices are read from decimal *strings* in the YAML so
that no binary float ever touches a price. Prices are USD (or the file's currency) per
million tokens, except ``per_request`` (per request).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

__all__ = [
    "PRICE_KEYS",
    "WEEKDAYS",
    "Cost",
    "ModelPrices",
    "PriceEntry",
    "PricePoint",
    "PriceValue",
    "Tier",
    "TieredPrice",
    "Usage",
    "parse_model",
]

#: Price keys of a history entry, all per million tokens except ``per_request``.
PRICE_KEYS = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "reasoning",
    "input_audio",
    "output_audio",
    "per_request",
)

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Usage:
    """Token usage of one call, OTel GenAI convention.

    ``input_tokens`` INCLUDES cache reads/writes (and audio input); ``output_tokens``
    INCLUDES reasoning (and audio output). For Anthropic-style usage, where input
    excludes the cache, use :meth:`from_anthropic`.

    >>> Usage(input_tokens=1000, output_tokens=50, cache_read_tokens=800).uncached_input_tokens
    200
    """

    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    input_audio_tokens: int = 0
    output_audio_tokens: int = 0

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Usage.{name} must be a non-negative int, got {value!r}")
        if self.cache_read_tokens + self.cache_write_tokens > self.input_tokens:
            raise ValueError(
                "Usage: cache_read_tokens + cache_write_tokens exceed input_tokens (input "
                "includes the cache; use Usage.from_anthropic for Anthropic-style usage)"
            )
        if self.reasoning_tokens > self.output_tokens:
            raise ValueError("Usage: reasoning_tokens exceed output_tokens (output includes it)")

    @property
    def uncached_input_tokens(self) -> int:
        """Input tokens that were neither read from nor written to the prompt cache."""
        return self.input_tokens - self.cache_read_tokens - self.cache_write_tokens

    @property
    def total_tokens(self) -> int:
        """``input_tokens + output_tokens``."""
        return self.input_tokens + self.output_tokens

    @classmethod
    def from_anthropic(
        cls,
        input_tokens: int,
        output_tokens: int,
        cache_read_input_tokens: int = 0,
        cache_creation_input_tokens: int = 0,
        reasoning_tokens: int = 0,
    ) -> Usage:
        """Convert Anthropic's usage (``input_tokens`` excludes cache reads/writes).

        >>> Usage.from_anthropic(100, 20, cache_read_input_tokens=900).input_tokens
        1000
        """
        return cls(
            input_tokens=input_tokens + cache_read_input_tokens + cache_creation_input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_input_tokens,
            cache_write_tokens=cache_creation_input_tokens,
            reasoning_tokens=reasoning_tokens,
        )


@dataclass(frozen=True)
class Cost:
    """Cost of one call. ``priced=False`` means no price was found (never a silent 0).

    ``input`` is uncached (text and audio) input, ``output`` is non-reasoning output;
    ``total`` also includes a per-request fee when the model has one (``request``).
    ``region`` is the region/geography the model id named (a Bedrock ``us-gov.`` profile,
    an ARN's region); ``region_unknown`` means the table has no price for it and the
    model's standard price was used (the real cost may be higher).
    """

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    reasoning: Decimal
    total: Decimal
    currency: str = "USD"
    price_source: str = ""
    priced: bool = True
    request: Decimal = _ZERO
    model_id: str | None = None
    provider: str | None = None
    region: str | None = None
    region_unknown: bool = False

    @property
    def prompt(self) -> Decimal:
        """Everything billed for the prompt side: input + cache read + cache write."""
        return self.input + self.cache_read + self.cache_write

    @property
    def completion(self) -> Decimal:
        """Everything billed for the completion side: output + reasoning."""
        return self.output + self.reasoning

    @classmethod
    def unpriced(cls, reason: str = "") -> Cost:
        """A :class:`Cost` that says "no price known" (all amounts zero, ``priced=False``)."""
        return cls(_ZERO, _ZERO, _ZERO, _ZERO, _ZERO, _ZERO, price_source=reason, priced=False)


@dataclass(frozen=True)
class Tier:
    """Price applied to ALL tokens when the prompt has more than ``above`` input tokens."""

    above: int
    price: Decimal


@dataclass(frozen=True)
class TieredPrice:
    """A base price plus context-size tiers (the "cliff" model used by providers)."""

    base: Decimal
    tiers: tuple[Tier, ...]

    def for_input(self, input_tokens: int) -> Decimal:
        """The price that applies to a prompt of ``input_tokens`` tokens."""
        for tier in reversed(self.tiers):
            if input_tokens > tier.above:
                return tier.price
        return self.base


PriceValue = Decimal | TieredPrice


#: Weekday names of ``weekdays`` conditions, Monday first (``date.weekday()`` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PricePoint:
    """One history entry: prices valid from ``effective_from`` and, when conditions are
    set, only while they hold (off-peak/peak windows):

    - ``hours_utc``: a daily UTC window ``(start, end)``, end exclusive, may wrap midnight;
    - ``weekdays``: the days (``0`` = Monday … ``6`` = Sunday) it applies on;
    - ``except_dates``: dates it does not apply on (e.g. public holidays);
    - ``calendar_offset``: the UTC offset of the calendar that ``weekdays`` and
      ``except_dates`` refer to (DeepSeek: Beijing time, ``+08:00``); default UTC.
    """

    prices: Mapping[str, PriceValue]
    effective_from: date | None = None
    hours_utc: tuple[time, time] | None = None
    weekdays: frozenset[int] | None = None
    except_dates: frozenset[date] = frozenset()
    calendar_offset: timedelta = timedelta(0)

    @property
    def conditional(self) -> bool:
        """Whether the entry applies only at some times (a window), not from a date on."""
        return self.hours_utc is not None or self.weekdays is not None or bool(self.except_dates)

    def active(self, day: date, clock: time) -> bool:
        """Whether this entry applies at ``day``/``clock`` (UTC)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        if self.weekdays is not None or self.except_dates:
            local = (datetime.combine(day, clock) + self.calendar_offset).date()
            if self.weekdays is not None and local.weekday() not in self.weekdays:
                return False
            if local in self.except_dates:
                return False
        if self.hours_utc is None:
            return True
        start, end = self.hours_utc
        if end <= start:  # window wraps midnight (start == end: all day)
            return clock >= start or clock < end
        return start <= clock < end


@dataclass(frozen=True)
class PriceEntry:
    """A model's prices: id, match rules, history, currency, provenance, and the date
    the vendor retired the id (``retired``; informational, prices stay in force)."""

    provider: str
    id: str
    history: tuple[PricePoint, ...]
    aliases: frozenset[str] = frozenset()
    regex: tuple[str, ...] = ()  # full-match patterns, compiled lazily by the table
    currency: str = "USD"
    source: str = ""
    name: str | None = None
    context_window: int | None = None
    provenance: Mapping[str, Any] = field(default_factory=dict)
    retired: date | None = None

    def names(self) -> frozenset[str]:
        """Exact (lower-case) names: the id and every alias."""
        return self.aliases | {self.id.lower()}

    def prices_at(self, day: date, clock: time) -> PricePoint:
        """The history entry in force at ``day``/``clock``: the last active one.

        Dates before the first entry use the first entry (as genai-prices does).
        """
        for point in reversed(self.history):
            if point.active(day, clock):
                return point
        return self.history[0]


# Kept as a public alias: one model's parsed prices.
ModelPrices = PriceEntry


def parse_price(value: Any, where: str) -> PriceValue:
    """``"1.25"`` or ``{base: "1.25", tiers: [{above: 200000, price: "2.5"}]}``."""
    if isinstance(value, str):
        return Decimal(value)
    if isinstance(value, Mapping):
        tiers = tuple(
            sorted(
                (
                    Tier(int(t["above"]), Decimal(str_price(t["price"], where)))
                    for t in value["tiers"]
                ),
                key=lambda t: t.above,
            )
        )
        return TieredPrice(Decimal(str_price(value["base"], where)), tiers)
    raise ValueError(f"{where}: price must be a decimal string, got {value!r}")


def str_price(value: Any, where: str) -> str:
    """``value`` if it is a string; prices as YAML floats are rejected (precision)."""
    if not isinstance(value, str):
        raise ValueError(f"{where}: price must be a decimal string, got {value!r}")
    return value


def _parse_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _parse_offset(value: Any) -> timedelta:
    """``'+08:00'`` → ``timedelta(hours=8)``; ``None`` → zero (UTC)."""
    if not value:
        return timedelta(0)
    text = str(value)
    sign = -1 if text.startswith("-") else 1
    hours, _, minutes = text.lstrip("+-").partition(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes or 0))


def parse_model(provider: str, raw: Mapping[str, Any], *, currency: str, source: str) -> PriceEntry:
    """Build a :class:`PriceEntry` from one YAML ``models:`` item (already validated)."""
    mid = str(raw["id"])
    where = f"{provider}/{mid}"
    match = raw.get("match") or {}
    points = []
    for item in raw["prices"]:
        prices = {k: parse_price(item[k], f"{where}.{k}") for k in PRICE_KEYS if k in item}
        hours = item.get("hours_utc")
        window = None
        if hours:
            window = (time.fromisoformat(hours["start"]), time.fromisoformat(hours["end"]))
        days = item.get("weekdays")
        points.append(
            PricePoint(
                prices,
                _parse_date(item.get("effective_from")),
                window,
                frozenset(WEEKDAYS.index(str(d).lower()[:3]) for d in days)
                if days is not None
                else None,
                frozenset(d for d in map(_parse_date, item.get("except_dates") or ()) if d),
                _parse_offset(item.get("calendar_utc_offset")),
            )
        )
    prov = raw.get("provenance") or {}
    return PriceEntry(
        provider=provider,
        id=mid,
        history=tuple(points),
        aliases=frozenset(str(a).lower() for a in match.get("aliases", ())),
        regex=tuple(str(r) for r in match.get("regex", ())),
        currency=str(raw.get("currency", currency)),
        source=str(prov.get("source") or source),
        name=raw.get("name"),
        context_window=raw.get("context_window"),
        provenance=dict(prov),
        retired=_parse_date(raw.get("retired")),
    )


@lru_cache(maxsize=8192)
def literal_prefix(pattern: str) -> str:
    """The literal text a regex starts with (``gpt-4o\\.1(?:..)`` → ``gpt-4o.1``)."""
    out: list[str] = []
    i = _skip_leading_optional_groups(pattern)
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and not pattern[i + 1].isalnum():
            out.append(pattern[i + 1])
            i += 2
            continue
        if ch in ".^$*+?{}[]()|\\":
            break
        out.append(ch)
        i += 1
    # A quantifier applies to the last literal char: it is not certainly present.
    if i < len(pattern) and pattern[i] in "*?{" and out:
        out.pop()
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    """Index just past the group that opens at ``pattern[start] == "("``."""
    depth, i = 0, start
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class may contain parentheses
            i = pattern.find("]", i + 2) + 1 or len(pattern)
            continue
        depth += ch == "("
        depth -= ch == ")"
        i += 1
        if depth == 0:
            return i
    return len(pattern)


def _skip_leading_optional_groups(pattern: str) -> int:
    """Skip lookarounds and optional groups (a ``(?:…/)?`` route prefix) at the start."""
    i = 0
    while i < len(pattern) and pattern[i] == "(":
        end = _group_end(pattern, i)
        if pattern.startswith(("(?=", "(?!"), i):
            i = end
        elif end < len(pattern) and pattern[end] == "?":
            i = end + 1
        else:
            break
    return i


def entry_sort_key(entry: PriceEntry) -> Sequence[Any]:
    """Deterministic order for listings."""
    return (entry.provider, entry.id)
