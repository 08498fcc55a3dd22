"""Overlapping match rules within one provider file: detection (validate) and repair (import).

Two models overlap when a name one of them declares — its id, an alias, or the literal
stem of one of its regexes — is also claimed by the other (as an exact name or through
a regex). Regex-vs-regex overlaps in general are undecidable; probing with declared
names catches the ones that matter: a model's own names must price that model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mcp_llm_trace.pricing.model import literal_prefix

__all__ = ["Overlap", "find_overlaps", "probes", "resolve_overlaps"]


@dataclass(frozen=True)
class Overlap:
    """``claimer`` (through ``rule``) also matches ``name``, declared by ``owner``."""

    claimer: str
    owner: str
    name: str
    rule: str  # "alias" or the regex source

    def __str__(self) -> str:
        how = "alias" if self.rule == "alias" else f"regex {self.rule!r}"
        return f"{self.claimer} ({how}) also matches {self.name!r}, a name of {self.owner}"


def _names(item: Mapping[str, Any]) -> set[str]:
    match = item.get("match") or {}
    return {str(item["id"]).lower(), *(str(a).lower() for a in match.get("aliases", ()))}


def probes(item: Mapping[str, Any]) -> set[str]:
    """Names a model declares: id, aliases, literal stems its own regexes match."""
    out = _names(item)
    for rx in (item.get("match") or {}).get("regex", ()):
        stem = literal_prefix(rx).lower()
        try:
            if stem and re.fullmatch(rx, stem):
                out.add(stem)
        except re.error:
            continue
    return out


def find_overlaps(models: Sequence[Mapping[str, Any]]) -> list[Overlap]:
    """Every overlap between models of one provider (bad regexes are skipped here)."""
    compiled: list[list[tuple[str, re.Pattern[str]]]] = []
    for m in models:
        rxs = []
        for rx in (m.get("match") or {}).get("regex", ()):
            try:
                rxs.append((rx, re.compile(rx)))
            except re.error:
                continue
        compiled.append(rxs)
    names = [_names(m) for m in models]
    found: list[Overlap] = []
    for b, mb in enumerate(models):
        for p in sorted(probes(mb)):
            for a, ma in enumerate(models):
                if a == b:
                    continue
                if p in names[a]:
                    if a < b:  # report a duplicate name once
                        found.append(Overlap(str(ma["id"]), str(mb["id"]), p, "alias"))
                    continue
                for src, pattern in compiled[a]:
                    if pattern.fullmatch(p):
                        found.append(Overlap(str(ma["id"]), str(mb["id"]), p, src))
                        break
    return found


def resolve_overlaps(doc: dict[str, Any], owner: Callable[[str], str | None]) -> list[str]:
    """Repair overlaps in an imported provider document; returns notes.

    ``owner(name)`` says which model id the source resolves ``name`` to. A duplicate
    alias stays only with that owner; a regex that swallows another model's name gets a
    negative lookahead for that name (kept explicit and reviewable in the YAML).
    """
    models: list[dict[str, Any]] = doc["models"]
    by_id = {str(m["id"]): m for m in models}
    notes: list[str] = []
    for _ in range(4):
        overlaps = find_overlaps(models)
        if not overlaps:
            break
        exclusions: dict[tuple[str, str], set[str]] = {}
        for ov in overlaps:
            src_owner = owner(ov.name)
            claimer, declared = by_id[ov.claimer], by_id[ov.owner]
            if ov.rule == "alias":
                loser = declared if src_owner == ov.claimer else claimer
                aliases = (loser.get("match") or {}).get("aliases", [])
                if ov.name in aliases:
                    aliases.remove(ov.name)
                    notes.append(
                        f"{loser['id']}: dropped alias {ov.name!r} (source owner {src_owner})"
                    )
                continue
            declared_aliases = (declared.get("match") or {}).get("aliases", [])
            if src_owner == ov.claimer and ov.name in declared_aliases:
                declared_aliases.remove(ov.name)
                notes.append(f"{ov.owner}: dropped alias {ov.name!r} (source owner {src_owner})")
            else:
                exclusions.setdefault((ov.claimer, ov.rule), set()).add(ov.name)
        for (mid, src), names in exclusions.items():
            rules: list[str] = by_id[mid]["match"]["regex"]
            alts = "|".join(re.escape(n) for n in sorted(names))
            rules[rules.index(src)] = f"(?!(?:{alts})\\Z){src}"
            notes.append(f"{mid}: regex now excludes {sorted(names)}")
    return notes
