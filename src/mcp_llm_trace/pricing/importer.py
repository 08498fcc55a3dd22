"""Import price data from genai-prices (installed package) or a LiteLLM JSON file.

The result is a ``{provider id: provider document}`` mapping in our YAML shape; use
:mod:`mcp_llm_trace.pricing.merge` to compare it with the checked-in files and to
write it (appending history, never deleting). Import is a maintainer tool: it runs
offline against the installed ``genai-prices`` snapshot or a local LiteLLM JSON file.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.providers import GENAI_TO_OURS, LITELLM_TO_OURS, PROVIDERS

__all__ = [
    "LITELLM_MODES",
    "SourceData",
    "dec_str",
    "from_genai_prices",
    "from_litellm",
    "litellm_ref",
    "load_litellm",
    "provider_header",
]

GENAI_URL = "https://github.com/pydantic/genai-prices"
LITELLM_URL = "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"

# genai-prices price key → ours (and a divisor to get our unit).
_GENAI_KEYS: dict[str, tuple[str, int]] = {
    "input_mtok": ("input", 1),
    "output_mtok": ("output", 1),
    "cache_read_mtok": ("cache_read", 1),
    "cache_write_mtok": ("cache_write", 1),
    "output_reasoning_mtok": ("reasoning", 1),
    "input_audio_mtok": ("input_audio", 1),
    "output_audio_mtok": ("output_audio", 1),
    "requests_kcount": ("per_request", 1000),
}

# Suffix tokens allowed after a converted starts_with/contains stem: dates, versions and
# release qualifiers — but never a model-family word, so "gpt-4o" can't swallow "gpt-4o-mini".
_SUFFIX = r"(?:[-_.@:](?:\d[a-z0-9.]*|v\d[a-z0-9.]*|latest|preview|exp|experimental|beta))*"
_PREFIX = r"(?:[a-z0-9_.:@/-]*[./:])?"
_SEPARATORS = "-_.:@/"


def dec_str(value: Decimal) -> str:
    """A Decimal as a plain decimal string (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def provider_header(pid: str, source: dict[str, Any]) -> dict[str, Any]:
    """The top of a provider file: id, names, ownership, fallbacks, currency, source."""
    meta = PROVIDERS[pid]
    head: dict[str, Any] = {"provider": pid, "name": meta["name"]}
    head["provider_names"] = list(meta["provider_names"])
    head["first_party"] = bool(meta.get("first_party"))
    if meta.get("owns"):
        head["owns"] = meta["owns"]
    if meta.get("fallback_providers"):
        head["fallback_providers"] = list(meta["fallback_providers"])
    head["currency"] = "USD"
    head["source"] = source
    head["models"] = []
    return head


# ---------------------------------------------------------------- genai-prices


def _stem_regex(stem: str, *, prefix: bool) -> str:
    body = re.escape(stem.lower())
    head = _PREFIX if prefix and stem[:1] not in _SEPARATORS else ""
    if prefix and stem[:1] in _SEPARATORS:
        head = r"[a-z0-9_.:@/-]*"
    if stem[-1:] in _SEPARATORS:
        return head + body + r"[a-z0-9_.:@/-]+"
    tail = stem.rsplit("-", 1)[-1]
    more = r"\d*" if tail.isdigit() and len(tail) >= 4 else ""
    return head + body + more + _SUFFIX


def _fullmatch_form(regex: str) -> str:
    """A genai-prices ``re.search`` regex rewritten for ``re.fullmatch``."""
    body = regex[1:] if regex.startswith("^") else ".*?" + regex
    if body.endswith("$") and not body.endswith("\\$"):
        body = body[:-1]
    else:
        body += ".*"
    return body


def _clause(clause: Any, aliases: list[str], regexes: list[str]) -> None:
    kind = type(clause).__name__
    if kind == "ClauseEquals":
        aliases.append(clause.equals.lower())
    elif kind == "ClauseStartsWith":
        regexes.append(_stem_regex(clause.starts_with, prefix=False))
    elif kind == "ClauseContains":
        regexes.append(_stem_regex(clause.contains, prefix=True))
    elif kind == "ClauseEndsWith":
        head = _PREFIX if clause.ends_with[:1] not in _SEPARATORS else r"[a-z0-9_.:@/-]*"
        regexes.append(head + re.escape(clause.ends_with.lower()))
    elif kind == "ClauseRegex":
        regexes.append(_fullmatch_form(clause.regex))
    elif kind == "ClauseOr":
        for sub in clause.or_:
            _clause(sub, aliases, regexes)
    elif kind == "ClauseAnd":
        parts: list[str] = []
        for sub in clause.and_:
            sub_aliases: list[str] = []
            sub_rx: list[str] = []
            _clause(sub, sub_aliases, sub_rx)
            alts = [re.escape(a) for a in sub_aliases] + sub_rx
            parts.append("(?:" + "|".join(alts) + ")")
        regexes.append("".join(f"(?={p}\\Z)" for p in parts) + ".*")
    else:  # pragma: no cover - a new clause type in a future genai-prices
        raise ValueError(f"unsupported genai-prices match clause {kind}")


def _genai_prices(mp: Any) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    skipped: list[str] = []
    for key, value in mp.__dict__.items():
        if value is None or key.startswith("_"):
            continue
        if key not in _GENAI_KEYS:
            skipped.append(key)
            continue
        ours, div = _GENAI_KEYS[key]
        if type(value).__name__ == "TieredPrices":
            out[ours] = {
                "base": dec_str(value.base / div),
                "tiers": [{"above": t.start, "price": dec_str(t.price / div)} for t in value.tiers],
            }
        else:
            out[ours] = dec_str(Decimal(value) / div)
    return out, skipped


def _genai_history(model: Any) -> tuple[list[dict[str, Any]], list[str]]:
    entries: list[dict[str, Any]] = []
    skipped: set[str] = set()
    conditional = model.prices if isinstance(model.prices, list) else None
    items = conditional or [None]
    for cp in items:
        mp = model.prices if cp is None else cp.prices
        prices, skip = _genai_prices(mp)
        skipped.update(skip)
        entry: dict[str, Any] = {}
        constraint: Any = getattr(cp, "constraint", None)
        kind = type(constraint).__name__
        if kind == "StartDateConstraint":
            entry["effective_from"] = constraint.start_date.isoformat()
        elif kind == "TimeOfDateConstraint":
            entry["hours_utc"] = {
                "start": constraint.start_time.strftime("%H:%M"),
                "end": constraint.end_time.strftime("%H:%M"),
            }
        entry.update(prices)
        entries.append(entry)
    return entries, sorted(skipped)


def from_genai_prices(today: date | None = None) -> dict[str, dict[str, Any]]:
    """Convert the installed genai-prices snapshot for the providers we ship."""
    import genai_prices
    from genai_prices.data import providers

    checked = (today or date.today()).isoformat()
    version = genai_prices.__version__
    docs: dict[str, dict[str, Any]] = {}
    by_id = {p.id: p for p in providers}
    for gid, pid in GENAI_TO_OURS.items():
        gp = by_id[gid]
        url = (gp.pricing_urls or [GENAI_URL])[0]
        source = {
            "name": f"genai-prices {version}",
            "url": GENAI_URL,
            "pricing_urls": gp.pricing_urls or [],
        }
        doc = provider_header(pid, source)
        for m in gp.models:
            history, skipped = _genai_history(m)
            if not any(("input" in e or "output" in e) for e in history):
                continue  # priced per image/second/search only: nothing we can bill
            aliases: list[str] = []
            regexes: list[str] = []
            _clause(m.match, aliases, regexes)
            item: dict[str, Any] = {"id": m.id}
            if m.name:
                item["name"] = m.name
            match: dict[str, Any] = {}
            al = sorted({a for a in aliases if a != m.id.lower()})
            if al:
                match["aliases"] = al
            if regexes:
                match["regex"] = list(dict.fromkeys(regexes))
            item["match"] = match
            if m.context_window:
                item["context_window"] = m.context_window
            item["provenance"] = {
                "source": f"genai-prices {version}",
                "url": url,
                "checked": checked,
            }
            if skipped:
                item["provenance"]["not_imported"] = skipped
            item["prices"] = history
            doc["models"].append(item)
        from mcp_llm_trace.pricing.overlaps import resolve_overlaps

        resolve_overlaps(doc, owner=functools.partial(_genai_owner, gp))
        docs[pid] = doc
    return docs


def _genai_owner(provider: Any, ref: str) -> str | None:
    model = provider._match_model(ref.lower())  # no fallback: within this provider only
    return None if model is None else str(model.id)


# ---------------------------------------------------------------- LiteLLM


_LITELLM_KEYS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
    "cache_creation_input_token_cost": "cache_write",
    "output_cost_per_reasoning_token": "reasoning",
    "input_cost_per_audio_token": "input_audio",
    "output_cost_per_audio_token": "output_audio",
}
_TIER_KEY = re.compile(r"^(?P<base>[a-z_]+?)_above_(?P<n>\d+)k_tokens$")


def _per_million(value: Any) -> str:
    return (
        dec_str(Decimal(repr(value)) * 1_000_000)
        if isinstance(value, float)
        else dec_str(Decimal(str(value)) * 1_000_000)
    )


#: LiteLLM ``mode`` values imported: token-priced chat models (embeddings, images,
#: audio, rerank, moderation and plain completions are skipped).
LITELLM_MODES = ("chat", "responses")
# A path segment that names a region, deployment or commitment, not a model:
# ``bedrock/us-east-1/…``, ``bedrock/*/1-month-commitment/…``, ``vertex_ai/us-central1/…``.
_DEPLOYMENT_SEGMENT = re.compile(
    r"\*|[a-z]{2,}(?:-gov)?-[a-z]+-?\d+|\d+-month-commitment|invoke|converse|global"
)
_ROUTE_PREFIXES = ("bedrock/", "bedrock_converse/", "gemini/", "vertex_ai/")


@dataclass
class SourceData:
    """Converted source documents plus the source keys skipped, by reason."""

    docs: dict[str, dict[str, Any]]
    skipped: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, key: str) -> None:
        """Record one skipped source key."""
        self.skipped.setdefault(reason, []).append(key)


def litellm_ref(key: str, litellm_provider: str, pid: str) -> str | None:
    """The model name in a LiteLLM key (route prefixes removed), or None when the key
    is a region/deployment path (``bedrock/us-east-1/…``) rather than a model name."""
    ref = key
    for prefix in (*_ROUTE_PREFIXES, f"{litellm_provider}/", f"{pid}/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    if "*" in ref:
        return None
    parts = ref.split("/")
    if any(_DEPLOYMENT_SEGMENT.fullmatch(p) for p in parts[:-1]):
        return None
    return ref


def _litellm_prices(spec: Mapping[str, Any]) -> dict[str, Any]:
    prices: dict[str, Any] = {}
    for lkey, ours in _LITELLM_KEYS.items():
        if spec.get(lkey) is not None:
            prices[ours] = _per_million(spec[lkey])
    tiers: dict[str, list[dict[str, Any]]] = {}
    for lkey, value in spec.items():
        m = _TIER_KEY.match(lkey)
        if m and m["base"] in _LITELLM_KEYS and value is not None:
            tiers.setdefault(_LITELLM_KEYS[m["base"]], []).append(
                {"above": int(m["n"]) * 1000, "price": _per_million(value)}
            )
    for ours, items in tiers.items():
        base = prices.get(ours)
        if isinstance(base, str):
            prices[ours] = {"base": base, "tiers": sorted(items, key=lambda t: int(t["above"]))}
    return prices


def load_litellm(
    path: str | Path, today: date | None = None, *, modes: tuple[str, ...] = LITELLM_MODES
) -> SourceData:
    """Convert LiteLLM's ``model_prices_and_context_window.json``.

    Only entries whose ``mode`` is in ``modes`` (chat/responses), of a provider we ship,
    with a per-token price, whose key names a model (not a region or deployment path)
    are kept; each is one model with its exact name as ``id`` and no match rules —
    :func:`mcp_llm_trace.pricing.update.plan_update` maps them onto existing entries.
    """
    data: Mapping[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    checked = (today or date.today()).isoformat()
    name = f"litellm {Path(path).name}"
    source = {"name": name, "url": LITELLM_URL}
    out = SourceData({})
    seen: set[tuple[str, str, str]] = set()
    for key, spec in data.items():
        if not isinstance(spec, Mapping) or key == "sample_spec":
            continue
        lprov = str(spec.get("litellm_provider", ""))
        pid = LITELLM_TO_OURS.get(lprov)
        if pid is None:
            out.skip("provider not shipped", key)
            continue
        if spec.get("mode") not in modes:
            out.skip(f"mode {spec.get('mode')!r}", key)
            continue
        ref = litellm_ref(key, lprov, pid)
        if ref is None:
            out.skip("region/deployment key", key)
            continue
        if spec.get("input_cost_per_token") is None and spec.get("output_cost_per_token") is None:
            out.skip("no per-token price", key)
            continue
        prices = _litellm_prices(spec)
        dup = (pid, ref.lower(), json.dumps(prices, sort_keys=True))
        if dup in seen:  # e.g. "gemini/x" and "x": one model, same prices
            out.skip("duplicate name", key)
            continue
        seen.add(dup)
        url = spec.get("source") if isinstance(spec.get("source"), str) else LITELLM_URL
        item: dict[str, Any] = {"id": ref, "match": {}}
        if isinstance(spec.get("max_input_tokens"), int) and spec["max_input_tokens"] > 0:
            item["context_window"] = spec["max_input_tokens"]
        item["provenance"] = {"source": name, "url": url, "checked": checked}
        item["prices"] = [prices]
        out.docs.setdefault(pid, provider_header(pid, source))["models"].append(item)
    return out


def from_litellm(path: str | Path, today: date | None = None) -> dict[str, dict[str, Any]]:
    """Convert LiteLLM's ``model_prices_and_context_window.json`` (see :func:`load_litellm`)."""
    return load_litellm(path, today).docs
