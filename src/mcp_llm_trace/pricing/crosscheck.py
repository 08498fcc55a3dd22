"""Cross-source price check (``mcp-llm-trace pricing check --against litellm FILE``).

Every model of a second source (LiteLLM's ``model_prices_and_context_window.json``,
chat/responses entries of the providers we ship) that our table also prices is costed
on four usage shapes by both sides; a disagreement of more than 1 % on any shape is
reported with both numbers. Differences listed in ``pricing/reviewed-differences.yaml``
(provider, model, reason, source URL) are accepted; any other one fails the check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.compute import compute_cost
from mcp_llm_trace.pricing.model import Usage
from mcp_llm_trace.pricing.providers import LITELLM_TO_OURS
from mcp_llm_trace.pricing.table import PriceTable

__all__ = ["SHAPES", "CheckResult", "Disagreement", "check_litellm", "load_reviewed"]

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


@dataclass
class CheckResult:
    """Outcome of a check: counts and the disagreements found."""

    overlapping: int
    agreeing: int
    source_models: int
    unpriced: list[tuple[str, str]]
    disagreements: list[Disagreement]

    @property
    def unreviewed(self) -> list[Disagreement]:
        """Disagreements with no entry in ``reviewed-differences.yaml``."""
        return [d for d in self.disagreements if not d.reviewed]


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
    return None if value is None else Decimal(repr(value) if isinstance(value, float) else value)


def litellm_cost(spec: Mapping[str, Any], usage: Usage) -> Decimal | None:
    """LiteLLM's cost of ``usage`` from one JSON entry (its ``_above_200k`` tiers)."""
    p_in = _per_token(spec, "input_cost_per_token")
    p_out = _per_token(spec, "output_cost_per_token")
    if p_in is None or p_out is None:
        return None
    p_cache = _per_token(spec, "cache_read_input_token_cost")
    if usage.input_tokens > 200_000:
        p_in = _per_token(spec, "input_cost_per_token_above_200k_tokens") or p_in
        p_out = _per_token(spec, "output_cost_per_token_above_200k_tokens") or p_out
        p_cache = _per_token(spec, "cache_read_input_token_cost_above_200k_tokens") or p_cache
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


def check_litellm(
    path: str | Path,
    *,
    table: PriceTable,
    reviewed: set[tuple[str, str]] | None = None,
    at: datetime | None = None,
) -> CheckResult:
    """Compare ``table`` with a LiteLLM price JSON on :data:`SHAPES` (prices at ``at``)."""
    data: Mapping[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    when = at or datetime.now(timezone.utc)
    reviewed = reviewed or set()
    overlapping = agreeing = source_models = 0
    unpriced: list[tuple[str, str]] = []
    found: list[Disagreement] = []
    for key, spec in sorted(data.items()):
        if not isinstance(spec, Mapping) or spec.get("mode") not in _MODES:
            continue
        split = _split(key, spec)
        if split is None or litellm_cost(spec, SHAPES[0][1]) is None:
            continue
        pid, model = split
        source_models += 1
        entry = table.find(model, pid)
        if entry is None:
            unpriced.append((pid, model))
            continue
        overlapping += 1
        ok = True
        for name, usage in SHAPES:
            theirs = litellm_cost(spec, usage)
            ours = compute_cost(model, pid, usage, when, table=table).total
            if theirs is None:
                continue
            if abs(ours - theirs) > _TOLERANCE * max(theirs, Decimal("1e-12")):
                ok = False
                done = (pid, model.lower()) in reviewed or (pid, entry.id.lower()) in reviewed
                found.append(Disagreement(pid, model, name, ours, theirs, done))
        agreeing += ok
    return CheckResult(overlapping, agreeing, source_models, unpriced, found)
