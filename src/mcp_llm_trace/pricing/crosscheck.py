"""Cross-source price check (``mcp-llm-trace pricing check --against litellm FILE``).

Every model of a second source (LiteLLM's ``model_prices_and_context_window.json``,
chat/responses entries of the providers we ship) that our table also prices is costed
on four usage shapes by both sides; a disagreement of more than 1 % on any shape is
reported with both numbers. Differences listed in ``pricing/reviewed-differences.yaml``
(provider, model, reason, source URL) are accepted; any other one fails the check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.compute import compute_cost
from mcp_llm_trace.pricing.model import Usage
from mcp_llm_trace.pricing.providers import LITELLM_TO_OURS
from mcp_llm_trace.pricing.table import PriceTable

__all__ = [
    "SHAPES",
    "CheckResult",
    "Disagreement",
    "ModelCheck",
    "check_litellm",
    "litellm_cost",
    "load_reviewed",
]

#: The four usage shapes of issue 15: (name, Usage).
SHAPES: tuple[tuple[str, Usage], ...] = (
    ("1k in/500 out", Usage(1_000, 500)),
    ("150k in/2k out", Usage(150_000, 2_000)),
    ("300k in/2k out", Usage(300_000, 2_000)),
    ("20k in (15k cache-read)/1k out", Usage(20_000, 1_000, cache_read_tokens=15_000)),
)
_MODES = ("chat", "responses")
_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class Disagreement:
    """One model/shape where the two sources differ by more than 1 %."""

    provider: str
    model: str
    shape: str
    ours: Decimal
    theirs: Decimal
    reviewed: bool = False

    @property
    def pct(self) -> float:
        """Our cost relative to theirs, in percent."""
        return float((self.ours - self.theirs) / self.theirs * 100) if self.theirs else 100.0


@dataclass(frozen=True)
class ModelCheck:
    """One source model: whether we price it, agree on every shape, and whether it is
    current (no ``deprecation_date`` on or before the check date)."""

    provider: str
    model: str
    priced: bool
    agrees: bool
    current: bool


@dataclass
class CheckResult:
    """Outcome of a check: counts and the disagreements found."""

    overlapping: int
    agreeing: int
    source_models: int
    unpriced: list[tuple[str, str]]
    disagreements: list[Disagreement]
    models: list[ModelCheck] = field(default_factory=list)
    stale_reviewed: list[tuple[str, str]] = field(default_factory=list)
    zero_priced: int = 0

    @property
    def unreviewed(self) -> list[Disagreement]:
        """Disagreements with no entry in ``reviewed-differences.yaml``."""
        return [d for d in self.disagreements if not d.reviewed]

    @property
    def agreement(self) -> float:
        """Share of overlapping models that agree within 1 % on every shape (0–1)."""
        return self.agreeing / self.overlapping if self.overlapping else 1.0

    @property
    def coverage(self) -> float:
        """Share of the source's *current* chat models that we price (0–1)."""
        current = [m for m in self.models if m.current]
        return sum(m.priced for m in current) / len(current) if current else 1.0

    def by_provider(self) -> dict[str, dict[str, int]]:
        """Per provider: ``source``, ``current``, ``priced``, ``current_priced``,
        ``agreeing`` counts."""
        out: dict[str, dict[str, int]] = {}
        for m in self.models:
            row = out.setdefault(
                m.provider,
                {"source": 0, "current": 0, "priced": 0, "current_priced": 0, "agreeing": 0},
            )
            row["source"] += 1
            row["current"] += m.current
            row["priced"] += m.priced
            row["current_priced"] += m.current and m.priced
            row["agreeing"] += m.priced and m.agrees
        return dict(sorted(out.items()))


def load_reviewed(path: str | Path | None) -> set[tuple[str, str]]:
    """``(provider, model)`` pairs accepted in a reviewed-differences file.

    Each item needs ``provider``, ``model``, ``reason`` and ``source_url``; an item
    without a reason or URL is an error (a difference is only accepted with evidence).
    """
    if path is None or not Path(path).is_file():
        return set()
    from mcp_llm_trace.pricing.table import load_yaml

    data = load_yaml(Path(path)) or {}
    out: set[tuple[str, str]] = set()
    for i, item in enumerate(data.get("differences") or []):
        missing = [k for k in ("provider", "model", "reason", "source_url") if not item.get(k)]
        if missing:
            raise ValueError(f"{path}: differences[{i}] lacks {', '.join(missing)}")
        out.add((str(item["provider"]), str(item["model"]).lower()))
    return out


def _per_token(spec: Mapping[str, Any], key: str) -> Decimal | None:
    value = spec.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return Decimal(repr(value) if isinstance(value, float) else str(value))


_THRESHOLD_KEY = re.compile(r"input_cost_per_token_above_(\d+(?:\.\d+)?)(k?)_tokens")
#: LiteLLM bills xAI's higher tier from the threshold itself (>=), everyone else above it.
_INCLUSIVE_THRESHOLD = frozenset({"xai"})


def _threshold_suffix(spec: Mapping[str, Any], input_tokens: int) -> str | None:
    """The ``above_Nk_tokens`` suffix LiteLLM applies to a prompt of ``input_tokens``.

    As LiteLLM's ``_get_token_base_cost``: the largest threshold the prompt exceeds
    (``>=`` for xAI) selects ``*_above_<N>_tokens`` for input, output and cache prices.
    """
    inclusive = spec.get("litellm_provider") in _INCLUSIVE_THRESHOLD
    found: list[tuple[Decimal, str]] = []
    for key in spec:
        m = _THRESHOLD_KEY.fullmatch(key)
        if m and spec.get(key) is not None:
            found.append((Decimal(m[1]) * (1000 if m[2] else 1), f"above_{m[1]}{m[2]}_tokens"))
    for threshold, suffix in sorted(found, reverse=True):
        if input_tokens > threshold or (inclusive and input_tokens == threshold):
            return suffix
    return None


def _in_window(window: str, clock: time) -> bool:
    try:
        start_s, end_s = window.split("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
    except ValueError:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # wraps midnight; start == end: all day


def _windows(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [w for w in value if isinstance(w, str)] if isinstance(value, list) else []


def _off_peak(spec: Mapping[str, Any], at: datetime) -> Mapping[str, Any] | None:
    """LiteLLM's ``off_peak_pricing`` block when ``at`` (UTC) is inside one of its windows
    (``hours_utc`` every day, or ``windows`` items restricted to ISO ``weekdays``)."""
    block = spec.get("off_peak_pricing")
    if not isinstance(block, Mapping):
        return None
    utc = at.astimezone(timezone.utc) if at.tzinfo else at
    clock = utc.time().replace(tzinfo=None)
    if any(_in_window(w, clock) for w in _windows(block.get("hours_utc"))):
        return block
    for rule in block.get("windows") or []:
        if not isinstance(rule, Mapping):
            continue
        days = rule.get("weekdays")
        if days is not None and utc.isoweekday() not in set(days):
            continue
        if any(_in_window(w, clock) for w in _windows(rule.get("hours_utc"))):
            return block
    return None


def litellm_cost(
    spec: Mapping[str, Any], usage: Usage, at: datetime | None = None
) -> Decimal | None:
    """LiteLLM's cost of ``usage`` from one JSON entry, evaluated as LiteLLM does.

    Standard service tier; ``*_above_<N>k_tokens`` prices for the largest threshold the
    prompt exceeds; the ``off_peak_pricing`` block's prices when ``at`` is off-peak.
    Cache reads without their own price are billed as input.
    """
    p_in = _per_token(spec, "input_cost_per_token")
    p_out = _per_token(spec, "output_cost_per_token")
    if p_in is None or p_out is None:
        return None
    p_cache = _per_token(spec, "cache_read_input_token_cost")
    suffix = _threshold_suffix(spec, usage.input_tokens)
    if suffix is not None:
        p_in = _per_token(spec, f"input_cost_per_token_{suffix}") or p_in
        p_out = _per_token(spec, f"output_cost_per_token_{suffix}") or p_out
        p_cache = _per_token(spec, f"cache_read_input_token_cost_{suffix}") or p_cache
    block = _off_peak(spec, at) if at is not None else None
    if block is not None:
        p_in = _per_token(block, "input_cost_per_token") or p_in
        p_out = _per_token(block, "output_cost_per_token") or p_out
        p_cache = _per_token(block, "cache_read_input_token_cost") or p_cache
    uncached = usage.input_tokens - usage.cache_read_tokens
    cache = usage.cache_read_tokens * (p_in if p_cache is None else p_cache)
    return uncached * p_in + cache + usage.output_tokens * p_out


def _split(key: str, spec: Mapping[str, Any]) -> tuple[str, str] | None:
    pid = LITELLM_TO_OURS.get(str(spec.get("litellm_provider", "")))
    if pid is None:
        return None
    model = key
    for prefix in ("bedrock/", "bedrock_converse/", "gemini/", "vertex_ai/", f"{pid}/"):
        if model.startswith(prefix):
            model = model[len(prefix) :]
    return pid, model


def _current(spec: Mapping[str, Any], when: datetime) -> bool:
    deprecated = spec.get("deprecation_date")
    return not (isinstance(deprecated, str) and deprecated <= when.date().isoformat())


def check_litellm(
    path: str | Path,
    *,
    table: PriceTable,
    reviewed: set[tuple[str, str]] | None = None,
    at: datetime | None = None,
) -> CheckResult:
    """Compare ``table`` with a LiteLLM price JSON on :data:`SHAPES` (prices at ``at``).

    Source models: chat/responses entries of the shipped providers with per-token
    prices; provisioned-throughput keys (``…/1-month-commitment/…``) are not on-demand
    prices and are skipped, and so are entries at $0 per token (free models, or models
    priced in other units: Lyria, MedLM), counted in ``zero_priced``. A shape whose
    prompt exceeds the model's context window (LiteLLM's ``max_input_tokens`` or our
    ``context_window``) is not compared: neither price applies to a request that cannot
    be made.
    """
    data: Mapping[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    when = at or datetime.now(timezone.utc)
    reviewed = reviewed or set()
    unpriced: list[tuple[str, str]] = []
    found: list[Disagreement] = []
    models: list[ModelCheck] = []
    used: set[tuple[str, str]] = set()
    free = 0
    for key, spec in sorted(data.items()):
        if not isinstance(spec, Mapping) or spec.get("mode") not in _MODES:
            continue
        split = _split(key, spec)
        if split is None or "-commitment/" in key:
            continue
        first = litellm_cost(spec, SHAPES[0][1])
        if first is None:
            continue
        if first == 0:
            free += 1  # $0 per token: free, or priced in other units (music, per character)
            continue
        pid, model = split
        current = _current(spec, when)
        entry = table.find(model, pid)
        if entry is None:
            unpriced.append((pid, model))
            models.append(ModelCheck(pid, model, False, False, current))
            continue
        limits = [
            n for n in (spec.get("max_input_tokens"), entry.context_window) if isinstance(n, int)
        ]
        ok = True
        for name, usage in SHAPES:
            if limits and usage.input_tokens > min(limits):
                continue
            theirs = litellm_cost(spec, usage, when)
            ours = compute_cost(model, pid, usage, when, table=table).total
            if theirs is None:
                continue
            if abs(ours - theirs) > _TOLERANCE * max(theirs, Decimal("1e-12")):
                ok = False
                keys = {(pid, model.lower()), (pid, entry.id.lower())} & reviewed
                used |= keys
                found.append(Disagreement(pid, model, name, ours, theirs, bool(keys)))
        models.append(ModelCheck(pid, model, True, ok, current))
    overlapping = sum(m.priced for m in models)
    agreeing = sum(m.priced and m.agrees for m in models)
    stale = sorted(reviewed - used)
    return CheckResult(overlapping, agreeing, len(models), unpriced, found, models, stale, free)
