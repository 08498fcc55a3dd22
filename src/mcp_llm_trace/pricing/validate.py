"""``pricing validate``: every check a price file must pass before it is committed.

Checks: JSON schema (``pricing/schema.json``; prices must be quoted decimal strings,
provenance required), file name = provider id, duplicate model ids / providers,
regexes compile, overlapping match rules (:mod:`.overlaps`), history dates strictly
increasing, tiers increasing, fallback providers exist. Needs ``jsonschema``
(a maintainer/CI dependency, not a runtime one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.model import PRICE_KEYS
from mcp_llm_trace.pricing.overlaps import find_overlaps
from mcp_llm_trace.pricing.table import load_yaml, shipped_pricing_dir

__all__ = ["schema_path", "validate_dir", "validate_files"]


def schema_path(directory: Path | None = None) -> Path:
    """``schema.json`` next to the data being validated, else the shipped one."""
    if directory is not None and (directory / "schema.json").is_file():
        return directory / "schema.json"
    shipped = shipped_pricing_dir()
    if shipped is None or not (shipped / "schema.json").is_file():
        raise FileNotFoundError("pricing/schema.json not found")
    return shipped / "schema.json"


def _plain(node: Any) -> Any:
    """YAML dates → ISO strings (an unquoted date is fine; an unquoted price is not)."""
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def validate_dir(directory: str | Path) -> list[str]:
    """Problems found in every ``*.yml`` of ``directory`` (empty list: valid)."""
    d = Path(directory)
    files = sorted(d.glob("*.yml"))
    if not files:
        return [f"{d}: no *.yml price files"]
    return validate_files(files, schema=schema_path(d))


def validate_files(files: list[Path], schema: Path | None = None) -> list[str]:
    """Problems found in ``files`` (checked together: duplicates, fallbacks)."""
    import jsonschema  # type: ignore[import-untyped,unused-ignore]

    validator = jsonschema.Draft202012Validator(
        json.loads((schema or schema_path()).read_text(encoding="utf-8"))
    )
    problems: list[str] = []
    docs: dict[str, tuple[Path, Mapping[str, Any]]] = {}
    for path in files:
        try:
            doc = _plain(load_yaml(path))
        except Exception as exc:
            problems.append(f"{path.name}: cannot parse YAML: {exc}")
            continue
        if not isinstance(doc, dict):
            problems.append(f"{path.name}: top level must be a mapping")
            continue
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            problems.append(f"{path.name}: {_where(doc, list(err.absolute_path))}: {_msg(err)}")
        pid = str(doc.get("provider", ""))
        if pid and pid != path.stem:
            problems.append(f"{path.name}: provider {pid!r} must equal the file name stem")
        if pid in docs:
            problems.append(f"{path.name}: provider {pid!r} also defined in {docs[pid][0].name}")
        docs[pid] = (path, doc)
        models = [m for m in doc.get("models") or [] if isinstance(m, dict) and "id" in m]
        problems.extend(f"{path.name}: {p}" for p in _model_problems(models))
    for path, doc in docs.values():
        for fb in doc.get("fallback_providers") or []:
            if fb not in docs and (path.parent / f"{fb}.yml").exists() is False:
                problems.append(f"{path.name}: fallback provider {fb!r} has no file")
    return problems


def _where(doc: Mapping[str, Any], path: list[Any]) -> str:
    """``models[gpt-4o].prices[1].input`` instead of ``models/57/prices/1/input``."""
    if len(path) >= 2 and path[0] == "models":
        try:
            mid = doc["models"][path[1]]["id"]
        except (KeyError, IndexError, TypeError):
            mid = path[1]
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:])
        return f"models[{mid}]{rest}"
    return ".".join(str(p) for p in path) or "(file)"


def _msg(err: Any) -> str:
    if err.validator in ("oneOf", "type", "pattern") and isinstance(err.instance, (int, float)):
        return f"{err.instance!r} is not a decimal string (quote prices: '{err.instance}')"
    if err.validator == "required":
        return str(err.message)
    return str(err.message)[:300]


def _model_problems(models: Sequence[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for m in models:
        mid = str(m["id"])
        if mid.lower() in seen:
            out.append(f"models[{mid}]: duplicate model id")
        seen.add(mid.lower())
        for rx in (m.get("match") or {}).get("regex", ()):
            try:
                re.compile(rx)
            except re.error as exc:
                out.append(f"models[{mid}]: bad regex {rx!r}: {exc}")
        out.extend(f"models[{mid}]: {p}" for p in _history_problems(m.get("prices") or []))
    out.extend(f"overlapping match rules: {ov}" for ov in find_overlaps(models))
    return out


_CONDITIONS = ("hours_utc", "weekdays", "except_dates")


def _conditional(entry: Mapping[str, Any]) -> bool:
    """A window entry (applies at some times only) rather than a dated price change."""
    return any(entry.get(k) for k in _CONDITIONS)


def _history_problems(entries: list[Any]) -> list[str]:
    out: list[str] = []
    last: str | None = None
    dated = [e for e in entries if isinstance(e, dict) and not _conditional(e)]
    for i, e in enumerate(dated):
        eff = e.get("effective_from")
        if eff is None:
            if i > 0:
                out.append("history: only the first entry may omit effective_from")
            continue
        if last is not None and str(eff) <= last:
            out.append(f"history not increasing: {eff} after {last}")
        last = str(eff)
    for e in entries:
        if not isinstance(e, dict):
            continue
        if e.get("calendar_utc_offset") and not (e.get("weekdays") or e.get("except_dates")):
            out.append("calendar_utc_offset needs weekdays or except_dates")
        for key in PRICE_KEYS:
            value = e.get(key)
            if isinstance(value, dict):
                aboves = [t.get("above") for t in value.get("tiers", []) if isinstance(t, dict)]
                if aboves != sorted({a for a in aboves if isinstance(a, int)}):
                    out.append(f"{key}: tiers must be strictly increasing")
    return out
