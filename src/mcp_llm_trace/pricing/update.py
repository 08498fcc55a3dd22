"""Safe price updates (``mcp-llm-trace pricing import``): plan, validate, then write.

1. :func:`plan_update` maps every source model onto the table with the table's own
   matching rules (exact names, regexes, date spellings), so ``claude-sonnet-4-5-20250929``
   updates ``claude-sonnet-4-5`` instead of becoming a duplicate; merges price key by
   price key (:func:`mcp_llm_trace.pricing.merge.merge_model_prices`: new dated entries,
   tiers and time windows never dropped); holds back what cannot be applied safely;
   groups genuinely new models (a dated or geo-prefixed spelling becomes an alias).
2. :func:`validate_plan` writes the merged table into a temporary directory, runs every
   ``pricing validate`` check there, and proves that the overlay file resolves every
   name exactly as the merged table does.
3. :func:`write_overlay` (default) writes ONE reviewable file for ``pricing.files``
   holding only the changed and added models; :func:`write_in_place` (maintainers)
   replaces the changed provider files. Both write only after a clean validation, each
   file atomically (temporary file + rename); nothing is written on failure.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.aliases import FLOATING, AliasTarget
from mcp_llm_trace.pricing.merge import (
    HEADER,
    Held,
    KeyChange,
    merge_model_prices,
    same_price,
    updated_provenance,
    write_docs,
)
from mcp_llm_trace.pricing.model import PRICE_KEYS, PriceEntry
from mcp_llm_trace.pricing.normalise import routes
from mcp_llm_trace.pricing.table import PriceTable

__all__ = [
    "AddedModel",
    "UpdatePlan",
    "ValidationResult",
    "plan_update",
    "table_from_dir",
    "validate_plan",
    "write_in_place",
    "write_overlay",
]

# Spelling variants of one new model: a Bedrock geo prefix, a date or version suffix.
_GEO = re.compile(r"^(?:us-gov|us|eu|apac|au|jp|ca|in|global)\.")
_VERSION_TAIL = re.compile(r"(?:[-@](?:20\d{6}|20\d{2}-\d{2}-\d{2}|\d{4})|-v\d+(?::\d+)?|:\d+)+$")


@dataclass(frozen=True)
class AddedModel:
    """A model the source has and the table does not (added with its exact names)."""

    provider: str
    model: str
    aliases: tuple[str, ...]
    prices: Mapping[str, Any]
    effective_from: str

    def __str__(self) -> str:
        names = f" (= {', '.join(self.aliases)})" if self.aliases else ""
        prices = ", ".join(f"{k}={short_price(v)}" for k, v in self.prices.items())
        return f"+ {self.provider}/{self.model}{names}: {prices} from {self.effective_from}"


@dataclass
class UpdatePlan:
    """What an import would change: merged documents and a reviewable account of it."""

    existing: dict[str, dict[str, Any]]
    merged: dict[str, dict[str, Any]]
    day: date
    source_name: str = ""
    changes: list[KeyChange] = field(default_factory=list)
    added: list[AddedModel] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    touched: dict[str, list[str]] = field(default_factory=dict)  # provider → model ids
    source_refs: list[tuple[str, str]] = field(default_factory=list)  # (provider, name)

    @property
    def changed_models(self) -> list[tuple[str, str]]:
        """``(provider, model)`` of every existing model whose prices change."""
        return sorted({(c.provider, c.model) for c in self.changes})

    def summary(self) -> dict[str, int]:
        """Counts for the report line and ``--json``."""
        return {
            "models_changed": len(self.changed_models),
            "keys_changed": len(self.changes),
            "models_added": len(self.added),
            "held": len(self.held),
            "notes": len(self.notes),
            **{f"skipped: {k}": len(v) for k, v in sorted(self.skipped.items())},
        }

    def overlay_docs(self) -> dict[str, dict[str, Any]]:
        """One document per provider holding only the changed and added models."""
        out: dict[str, dict[str, Any]] = {}
        for pid, ids in sorted(self.touched.items()):
            doc = self.merged[pid]
            wanted = {i.lower() for i in ids}
            head = {k: copy.deepcopy(v) for k, v in doc.items() if k != "models"}
            head["models"] = [
                copy.deepcopy(m) for m in doc["models"] if str(m["id"]).lower() in wanted
            ]
            out[pid] = head
        return out

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``pricing import --json``)."""
        return {
            "summary": self.summary(),
            "effective_from": sorted({c.effective_from for c in self.changes}),
            "changes": [
                {**c.__dict__, "pct": c.pct} for c in sorted(self.changes, key=change_order)
            ],
            "added": [
                {**a.__dict__, "aliases": list(a.aliases), "prices": dict(a.prices)}
                for a in self.added
            ],
            "held": [h.__dict__ for h in self.held],
            "notes": self.notes,
            "skipped": self.skipped,
        }


def change_order(c: KeyChange) -> tuple[str, str, str, int]:
    """Sort key for a reviewable diff: provider, model, condition, price-key order."""
    return (c.provider, c.model, c.condition, PRICE_KEYS.index(c.key))


def short_price(value: Any) -> str:
    """``'3'`` or ``'3 (>200000: 6)'`` for a flat or tiered price value."""
    if isinstance(value, Mapping):
        tiers = ", ".join(f">{t['above']}: {t['price']}" for t in value.get("tiers") or ())
        return f"{value.get('base')} ({tiers})"
    return str(value)


# ---------------------------------------------------------------- planning


def table_from_dir(directory: str | Path) -> PriceTable:
    """A :class:`PriceTable` of exactly the ``*.yml`` files of ``directory``."""
    table = PriceTable()
    for path in sorted(Path(directory).glob("*.yml")):
        table.add_file(path, user=False)
    return table


def _table_from_docs(docs: Mapping[str, Mapping[str, Any]]) -> PriceTable:
    with tempfile.TemporaryDirectory(prefix="mlt-pricing-") as tmp:
        write_docs(tmp, docs)
        return table_from_dir(tmp)


def _price_key(item: Mapping[str, Any], day: date) -> str:
    """Comparable form of the source prices in force on ``day`` (the dated entry and its
    windows; zero "not applicable" values dropped)."""
    from mcp_llm_trace.pricing.merge import in_force

    prices = list(item.get("prices") or ())
    base, windows = in_force(prices, day)
    entries = [
        {
            k: v
            for k, v in prices[i].items()
            if k != "effective_from" and not (k in PRICE_KEYS and same_price(v, "0"))
        }
        for i in ([] if base is None else [base, *windows])
    ]
    return json.dumps(entries, sort_keys=True, default=str)


def plan_update(
    existing: Mapping[str, dict[str, Any]],
    imported: Mapping[str, dict[str, Any]],
    *,
    table: PriceTable | None = None,
    day: date | None = None,
    effective_from: date | None = None,
    skipped: Mapping[str, list[str]] | None = None,
    source_name: str = "",
    aliases: Iterable[AliasTarget] = (),
    reviewed: Iterable[tuple[str, str]] = (),
) -> UpdatePlan:
    """Plan the import of ``imported`` (provider documents of a source) into ``existing``.

    ``table`` must be the table of ``existing`` (built from it when omitted); its
    lookup decides which existing entry a source name belongs to. ``day`` is the import
    date; ``effective_from`` the date of the new entries (default: the source's own
    newer date, else ``day``). A floating source name (``mistral-large-latest``) updates
    the target ``aliases`` documents for it (``pricing/aliases.yaml``), never the entry
    the name is currently an alias of; undocumented, it is held. A ``(provider, name)``
    in ``reviewed`` (``pricing/reviewed-differences.yaml``: a difference from the source
    that was checked and kept) is held, never applied.
    """
    day = day or datetime.now(timezone.utc).date()
    accepted = {(p, n.lower()) for p, n in reviewed}
    table = table or _table_from_docs(existing)
    plan = UpdatePlan(
        existing={pid: copy.deepcopy(d) for pid, d in existing.items()},
        merged={pid: copy.deepcopy(d) for pid, d in existing.items()},
        day=day,
        source_name=source_name,
        skipped={k: list(v) for k, v in (skipped or {}).items()},
    )
    targets = {(a.provider, a.alias): a.target for a in aliases}
    groups: dict[tuple[str, str], list[tuple[str, Mapping[str, Any], bool]]] = {}
    new: dict[str, list[Mapping[str, Any]]] = {}
    for pid, doc in sorted(imported.items()):
        for item in doc.get("models") or ():
            ref = str(item["id"])
            plan.source_refs.append((pid, ref))
            entry = table.find(ref, pid)
            if entry is not None and (pid, ref.lower()) in accepted:
                why = "a reviewed difference (reviewed-differences.yaml): our price is kept"
                plan.held.append(Held(pid, ref, "*", why))
                continue
            own = (pid, ref.lower()) in targets and targets[(pid, ref.lower())] is None
            alias_of_other = entry is not None and entry.id.lower() != ref.lower()
            if FLOATING.search(ref.lower()) and not own and entry and alias_of_other:
                target = targets.get((pid, ref.lower()))
                found = table.find(target, pid) if target else None
                if found is not None and entry.provider == pid:
                    # documented: update the model it points to, not the one it aliases
                    groups.setdefault((pid, found.id), []).append((ref, item, False))
                    continue
                if entry.provider == pid:
                    why = (
                        f"floating name, an alias of {entry.id} here: not applied to it "
                        "(document its target in aliases.yaml)"
                    )
                    plan.held.append(Held(pid, ref, "*", why))
                    continue
            if entry is not None and entry.provider != pid:
                if _agrees(plan.existing, entry.provider, entry.id, item, day, effective_from):
                    plan.skipped.setdefault(f"priced via {entry.provider}", []).append(ref)
                    continue
                entry = None  # priced differently from the fallback: its own model
            if entry is None:
                new.setdefault(pid, []).append(item)
                continue
            groups.setdefault((pid, entry.id), []).append((ref, item, _exact(ref, pid, entry)))
    for (pid, eid), refs in sorted(groups.items()):
        _apply_group(plan, pid, eid, refs, day, effective_from)
    for pid, items in sorted(new.items()):
        _add_new(plan, pid, items, imported[pid], day, effective_from)
    return plan


def _exact(ref: str, pid: str, entry: PriceEntry) -> bool:
    """Whether source name ``ref`` is one of ``entry``'s names once normalised: a
    Bedrock profile (``us.anthropic.claude-…``) counts like the bare id it prices as."""
    names = entry.names()
    return any(n in names for route in routes(ref, pid) for n in route.names) or (
        ref.lower() in names
    )


def _model(docs: Mapping[str, Mapping[str, Any]], pid: str, mid: str) -> dict[str, Any]:
    for m in docs[pid]["models"]:
        if str(m["id"]).lower() == mid.lower():
            return m  # type: ignore[no-any-return]
    raise KeyError(f"{pid}/{mid}")


def _agrees(
    docs: Mapping[str, Mapping[str, Any]],
    pid: str,
    mid: str,
    item: Mapping[str, Any],
    day: date,
    effective_from: date | None,
) -> bool:
    if pid not in docs:
        return False
    mine = _model(docs, pid, mid)
    result = merge_model_prices(
        pid, mid, mine["prices"], item["prices"], day=day, effective_from=effective_from
    )
    return not result.changes and not result.held


def _apply_group(
    plan: UpdatePlan,
    pid: str,
    eid: str,
    refs: list[tuple[str, Mapping[str, Any], bool]],
    day: date,
    effective_from: date | None,
) -> None:
    exact = [r for r in refs if r[2]]
    pool = exact or refs
    mine = _model(plan.merged, pid, eid)
    if len({_price_key(item, day) for _, item, _ in pool}) > 1:
        # Our price confirmed by one spelling: keep it, report the others (region premiums).
        agreeing = [r for r in pool if _agrees(plan.merged, pid, eid, r[1], day, effective_from)]
        if not agreeing:
            names = ", ".join(ref for ref, _, _ in pool)
            plan.held.append(Held(pid, eid, "*", f"source names disagree on the price: {names}"))
            return
        pool = agreeing
    chosen_ref, chosen, _ = pool[0]
    for ref, item, _ in refs:
        if not any(ref == p[0] for p in pool) and _price_key(item, day) != _price_key(chosen, day):
            plan.notes.append(
                f"{pid}/{ref}: the source prices it differently from {chosen_ref}; "
                f"not applied (our rules price it as {eid})"
            )
    result = merge_model_prices(
        pid, eid, mine["prices"], chosen["prices"], day=day, effective_from=effective_from
    )
    plan.held.extend(result.held)
    plan.notes.extend(result.notes)
    if result.prices is None:
        return
    plan.changes.extend(result.changes)
    mine["prices"] = result.prices
    mine["provenance"] = updated_provenance(mine, chosen, result)
    plan.touched.setdefault(pid, []).append(str(mine["id"]))


def _aliases(model: Mapping[str, Any]) -> list[str]:
    return [str(a) for a in (model.get("match") or {}).get("aliases") or ()]


def _stem(ref: str) -> str:
    return _VERSION_TAIL.sub("", _GEO.sub("", ref.lower()))


def _add_new(
    plan: UpdatePlan,
    pid: str,
    items: list[Mapping[str, Any]],
    source_doc: Mapping[str, Any],
    day: date,
    effective_from: date | None,
) -> None:
    from mcp_llm_trace.pricing.merge import condition_of, in_force

    eff = (effective_from or day).isoformat()
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for item in items:
        grouped.setdefault((_stem(str(item["id"])), _price_key(item, day)), []).append(item)
    if pid not in plan.merged:
        plan.merged[pid] = {k: copy.deepcopy(v) for k, v in source_doc.items() if k != "models"}
        plan.merged[pid]["models"] = []
    target = plan.merged[pid]["models"]
    taken = {n.lower() for m in target for n in (str(m["id"]), *_aliases(m))}
    listed = Counter(
        str(m["id"]).lower() for g in grouped.values() for m in {id(x): x for x in g}.values()
    )
    clashing = {n for n, k in listed.items() if k > 1} | (set(listed) & taken)
    for name in sorted(clashing):
        why = "the source lists this name twice with different prices; not added"
        plan.held.append(Held(pid, name, "*", why))
    for _, group in sorted(grouped.items()):
        group = [m for m in group if str(m["id"]).lower() not in clashing]
        if not group:
            continue
        group.sort(key=lambda m: (bool(_GEO.match(str(m["id"]))), len(str(m["id"])), m["id"]))
        first = group[0]
        mid = str(first["id"])
        taken.add(mid.lower())
        model = copy.deepcopy(dict(first))
        aliases = sorted({str(m["id"]).lower() for m in group[1:]} - {mid.lower()})
        match = dict(model.get("match") or {})
        if aliases:
            match["aliases"] = sorted({*match.get("aliases", ()), *aliases})
        model["match"] = match
        prices = model["prices"]
        if not any(e.get("effective_from") for e in prices):
            prices[0] = {"effective_from": eff, **prices[0]}
        target.append(model)
        plan.touched.setdefault(pid, []).append(mid)
        base, _ = in_force(prices, day)
        shown = prices[base if base is not None else 0]
        flat = {k: v for k, v in shown.items() if k in PRICE_KEYS}
        plan.added.append(
            AddedModel(pid, mid, tuple(aliases), flat, str(shown.get("effective_from") or eff))
        )
        if any(condition_of(e) for e in prices):
            plan.notes.append(f"{pid}/{mid}: new model with time windows; check them")


# ---------------------------------------------------------------- validation


@dataclass
class ValidationResult:
    """Problems the merged table would have; ``pre_existing`` are already in the table."""

    problems: list[str]
    pre_existing: list[str]

    @property
    def ok(self) -> bool:
        """No problem the import itself introduces."""
        return not self.problems


@contextmanager
def _staged(plan: UpdatePlan, directory: Path) -> Iterator[Path]:
    """A temporary copy of ``directory`` with the merged provider files written."""
    with tempfile.TemporaryDirectory(prefix="mlt-pricing-import-") as tmp:
        stage = Path(tmp) / "pricing"
        if directory.is_dir():
            shutil.copytree(directory, stage)
        else:
            stage.mkdir()
        write_docs(stage, {pid: plan.merged[pid] for pid in plan.touched})
        yield stage


def _overlay_text(plan: UpdatePlan) -> str:
    import yaml

    docs = plan.overlay_docs()
    s = plan.summary()
    head = (
        "# mcp-llm-trace price overlay, written by `mcp-llm-trace pricing import`"
        f" on {plan.day.isoformat()}\n"
        f"# from {plan.source_name or 'the source'}: {s['models_changed']} model(s) changed, "
        f"{s['models_added']} added. Review it, then list this file in `pricing.files`\n"
        "# (or MCP_LLM_TRACE_PRICING_FILES): its models are searched before the shipped "
        "ones.\n# One YAML document per provider; prices: decimal strings per million tokens.\n"
    )
    bodies = [
        yaml.safe_dump(dict(doc), sort_keys=False, allow_unicode=True, width=120)
        for _, doc in sorted(docs.items())
    ]
    return head + "---\n" + "---\n".join(bodies)


def _resolution(table: PriceTable, name: str, pid: str) -> tuple[str, str, Any] | None:
    entry = table.find(name, pid)
    return None if entry is None else (entry.provider, entry.id, entry.history)


def _overlay_problems(plan: UpdatePlan, base_dir: Path, stage: Path) -> list[str]:
    """Layering the overlay over ``base_dir`` must resolve like the merged ``stage``."""
    if not plan.touched:
        return []
    overlay = stage.parent / "overlay.yml"
    overlay.write_text(_overlay_text(plan), encoding="utf-8")
    layered = table_from_dir(base_dir)
    layered.add_file(overlay, user=True)
    merged = table_from_dir(stage)
    names: set[tuple[str, str]] = set(plan.source_refs)
    for entry in merged.entries():
        names.update((entry.provider, n) for n in entry.names())
    problems = []
    for pid, name in sorted(names):
        if _resolution(layered, name, pid) != _resolution(merged, name, pid):
            problems.append(f"overlay: {pid}/{name} resolves differently from the merged table")
    return problems


def validate_plan(plan: UpdatePlan, directory: str | Path) -> ValidationResult:
    """Run every ``pricing validate`` check on the merged table in a temporary copy of
    ``directory`` (and check the overlay); the real directory is not touched."""
    from mcp_llm_trace.pricing.validate import validate_dir

    d = Path(directory)
    before = set(validate_dir(d)) if d.is_dir() else set()
    with _staged(plan, d) as stage:
        found = validate_dir(stage)
        if not [p for p in found if p not in before] and d.is_dir():
            found += _overlay_problems(plan, d, stage)
    return ValidationResult(
        problems=[p for p in found if p not in before],
        pre_existing=[p for p in found if p in before],
    )


# ---------------------------------------------------------------- writing


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_overlay(plan: UpdatePlan, directory: str | Path, path: str | Path) -> ValidationResult:
    """Validate, then write the overlay file ``path`` (nothing is written on failure)."""
    result = validate_plan(plan, directory)
    if result.ok and plan.touched:
        _atomic_write(Path(path), _overlay_text(plan))
    return result


def write_in_place(plan: UpdatePlan, directory: str | Path) -> tuple[ValidationResult, list[Path]]:
    """Validate, then replace the changed provider files of ``directory`` (maintainers).

    Files of providers the import does not change stay byte-identical; nothing is
    written when validation fails.
    """
    import yaml

    d = Path(directory)
    result = validate_plan(plan, d)
    written: list[Path] = []
    if not result.ok:
        return result, written
    texts = {
        pid: HEADER
        + yaml.safe_dump(dict(plan.merged[pid]), sort_keys=False, allow_unicode=True, width=120)
        for pid in sorted(plan.touched)
    }
    for pid, text in texts.items():
        _atomic_write(d / f"{pid}.yml", text)
        written.append(d / f"{pid}.yml")
    return result, written
