"""``mcp-llm-trace pricing lint``: floating model names priced like their targets.

A floating name (``mistral-large-latest``, ``gpt-5-chat-latest``, ``grok-latest`` …) is
re-pointed by the vendor to newer models over time, so a price frozen on it drifts.
``pricing/aliases.yaml`` records which model each floating name points to::

    aliases:
    - provider: mistral
      alias: mistral-large-latest
      target: mistral-large-2512        # null: the name has its own price, no snapshot
      evidence: vendor-docs             # vendor-docs | table-match | litellm-price
      source_url: https://docs.mistral.ai/getting-started/models/
      checked: '2026-12-07'

:func:`lint_aliases` reports an error when a documented alias is priced differently
from its target (any price key, any hour of the day, at the given date), when either
side is not priced, and a warning for every floating name the table knows that has no
documented target. The file is data: edit it when a vendor re-points an alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timezone
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.model import PriceEntry, TieredPrice
from mcp_llm_trace.pricing.table import PriceTable, load_yaml

__all__ = ["FLOATING", "AliasTarget", "LintFinding", "lint_aliases", "load_aliases"]

#: A name with a ``latest`` token is floating (``…-latest``, ``chat-latest``, ``…-latest-…``).
FLOATING = re.compile(r"(?:^|[-_.:/])latest(?:$|[-_.:@])")
_EVIDENCE = ("vendor-docs", "table-match", "litellm-price")


@dataclass(frozen=True)
class AliasTarget:
    """One item of ``aliases.yaml``: ``alias`` points to ``target`` (None: own price)."""

    provider: str
    alias: str
    target: str | None
    source_url: str
    evidence: str = "vendor-docs"
    checked: str = ""
    note: str = ""


@dataclass(frozen=True)
class LintFinding:
    """One lint result; ``level`` is ``error`` or ``warning``."""

    level: str
    provider: str
    name: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.provider}/{self.name}: {self.message}"


def load_aliases(path: str | Path | None) -> list[AliasTarget]:
    """Items of an ``aliases.yaml`` file (none when the file does not exist).

    Raises ``ValueError`` for an item without provider, alias, source URL or a known
    ``evidence`` value, or with a duplicate (provider, alias).
    """
    if path is None or not Path(path).is_file():
        return []
    data = load_yaml(Path(path)) or {}
    out: list[AliasTarget] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(data.get("aliases") or []):
        if not isinstance(item, dict):
            raise ValueError(f"{path}: aliases[{i}] is not a mapping")
        missing = [k for k in ("provider", "alias", "source_url") if not item.get(k)]
        if missing or "target" not in item:
            missing += [] if "target" in item else ["target"]
            raise ValueError(f"{path}: aliases[{i}] lacks {', '.join(missing)}")
        evidence = str(item.get("evidence", "vendor-docs"))
        if evidence not in _EVIDENCE:
            raise ValueError(f"{path}: aliases[{i}].evidence must be one of {_EVIDENCE}")
        key = (str(item["provider"]), str(item["alias"]).lower())
        if key in seen:
            raise ValueError(f"{path}: aliases[{i}]: {key[0]}/{key[1]} listed twice")
        seen.add(key)
        out.append(
            AliasTarget(
                provider=key[0],
                alias=key[1],
                target=None if item["target"] is None else str(item["target"]),
                source_url=str(item["source_url"]),
                evidence=evidence,
                checked=str(item.get("checked") or ""),
                note=str(item.get("note") or ""),
            )
        )
    return out


def _fmt(value: Any) -> str:
    if isinstance(value, TieredPrice):
        tiers = ", ".join(f">{t.above}: {t.price}" for t in value.tiers)
        return f"{value.base} ({tiers})"
    return str(value)


def _prices(entry: PriceEntry, at: datetime) -> list[dict[str, str]]:
    """The prices in force at each hour of ``at``'s day (time windows included)."""
    day = at.date()
    return [
        {k: _fmt(v) for k, v in entry.prices_at(day, time(h, 30)).prices.items()} for h in range(24)
    ]


def _differences(a: list[dict[str, str]], b: list[dict[str, str]]) -> str:
    for hour, (pa, pb) in enumerate(zip(a, b, strict=True)):
        keys = [k for k in dict.fromkeys([*pa, *pb]) if pa.get(k) != pb.get(k)]
        if keys:
            shown = "; ".join(f"{k} {pa.get(k, '-')} vs {pb.get(k, '-')}" for k in keys)
            return shown if all(x == a[0] for x in a) else f"{shown} at {hour:02d}:30 UTC"
    return ""


def lint_aliases(
    table: PriceTable,
    aliases: Iterable[AliasTarget],
    *,
    at: datetime | None = None,
) -> list[LintFinding]:
    """Floating-alias findings for ``table`` (errors first, then warnings)."""
    when = at or datetime.now(timezone.utc)
    errors: list[LintFinding] = []
    documented: set[tuple[str, str]] = set()
    for item in aliases:
        documented.add((item.provider, item.alias))
        if item.provider not in table.providers:
            errors.append(LintFinding("error", item.provider, item.alias, "unknown provider"))
            continue
        entry = table.find(item.alias, item.provider)
        if item.target is None:
            if entry is None:
                errors.append(LintFinding("error", item.provider, item.alias, "not priced"))
            continue
        target = table.find(item.target, item.provider)
        if target is None:
            msg = f"target {item.target} is not priced"
            errors.append(LintFinding("error", item.provider, item.alias, msg))
            continue
        if entry is None:
            msg = f"not priced (its target {item.target} is priced as {target.id})"
            errors.append(LintFinding("error", item.provider, item.alias, msg))
            continue
        if (entry.provider, entry.id) == (target.provider, target.id):
            continue
        diff = _differences(_prices(entry, when), _prices(target, when))
        if diff:
            msg = (
                f"priced as {entry.id}, but it points to {item.target} "
                f"(priced as {target.id}): {diff} [{item.evidence}: {item.source_url}]"
            )
            errors.append(LintFinding("error", item.provider, item.alias, msg))
    warnings: list[LintFinding] = []
    for entry in sorted(table.entries(), key=lambda e: (e.provider, e.id)):
        for name in sorted(entry.names()):
            if FLOATING.search(name) and (entry.provider, name) not in documented:
                documented.add((entry.provider, name))
                msg = f"floating name (priced as {entry.id}) has no target in aliases.yaml"
                warnings.append(LintFinding("warning", entry.provider, name, msg))
    return errors + warnings
