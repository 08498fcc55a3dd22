"""The price table: shipped YAML files + user layers, and model/provider resolution.

Matching (docs/pricing.md): the model reference is normalised (:mod:`.normalise`:
Bedrock ARNs and inference profiles, ``models/…``, Vertex paths, OpenRouter ids) and
lower-cased, then
1. exact names (a model's ``id`` and its ``match.aliases``) win;
2. otherwise ``match.regex`` rules, always *full* matches; when several models'
   rules match, the rule with the longest literal prefix wins;
3. otherwise a compact date (``-20250514``) is rewritten to ``-2025-05-14`` and 1–2 retried;
4. otherwise the provider's ``fallback_providers`` are searched (Azure → OpenAI …).
There is no loose prefix matching: ``gpt-4o-mini`` can never be priced as ``gpt-4o``.

Layers: entries from ``register_price`` and user files (config ``pricing.files``) are
searched before the shipped table, so they override it model by model.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from mcp_llm_trace.pricing.model import PriceEntry, literal_prefix, parse_model
from mcp_llm_trace.pricing.normalise import region_known, routes

logger = logging.getLogger("mcp_llm_trace.pricing")

__all__ = [
    "PriceTable",
    "ProviderInfo",
    "Resolution",
    "load_yaml",
    "load_yaml_documents",
    "shipped_pricing_dir",
]

_COMPACT_DATE = re.compile(r"-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|@|$)")
_CACHE_MAX = 4096


def shipped_pricing_dir() -> Path | None:
    """Directory of the shipped YAML files.

    Installed wheel: ``mcp_llm_trace/_data/pricing`` (pyproject force-includes the repo's
    ``pricing/`` there). Source/editable checkout: the repo-root ``pricing/``.
    """
    packaged = Path(str(resources.files("mcp_llm_trace"))) / "_data" / "pricing"
    if packaged.is_dir() and any(packaged.glob("*.yml")):
        return packaged
    repo = Path(__file__).resolve().parents[3] / "pricing"
    if repo.is_dir() and any(repo.glob("*.yml")):
        return repo
    return None


def load_yaml(path: Path) -> Any:
    """Parse a YAML file with the C loader when available (5–10× faster)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return yaml.load(fh, Loader=loader)


def load_yaml_documents(path: Path) -> list[Any]:
    """Every YAML document of a file (``---`` separated), C loader when available."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as fh:
        return [d for d in yaml.load_all(fh, Loader=loader) if d is not None]


@dataclass(frozen=True)
class ProviderInfo:
    """A provider: canonical id (file stem), the names that select it, fallbacks."""

    id: str
    names: frozenset[str]
    first_party: bool = False
    fallback: tuple[str, ...] = ()
    currency: str = "USD"
    owns: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Resolution:
    """A lookup result: the entry, the region/geography the id named, and whether the
    entry's price is not known to be that region's (``region_unknown``: the standard
    price was used, e.g. a GovCloud profile of a model without a GovCloud price)."""

    entry: PriceEntry
    region: str | None = None
    region_unknown: bool = False


class _Layer:
    """Entries of one layer, indexed for lookup (exact dict + regex list per provider)."""

    def __init__(self) -> None:
        self.entries: dict[str, list[PriceEntry]] = {}
        self.exact: dict[str, dict[str, PriceEntry]] = {}
        # Regexes are compiled on the first lookup that needs them (saves ~0.3 s at load).
        self.regex: dict[str, list[tuple[int, re.Pattern[str], PriceEntry]] | None] = {}

    def add(self, entries: list[PriceEntry]) -> None:
        for pid in {e.provider for e in entries}:
            mine = [e for e in entries if e.provider == pid]
            ids = {e.id.lower() for e in mine}
            # A later entry with the same id replaces the earlier one (user overrides).
            kept = [e for e in self.entries.get(pid, []) if e.id.lower() not in ids]
            self.entries[pid] = kept + mine
            exact: dict[str, PriceEntry] = {}
            for e in self.entries[pid]:
                for n in e.names():
                    exact.setdefault(n, e)
            self.exact[pid] = exact
            self.regex[pid] = None

    def _regexes(self, pid: str) -> list[tuple[int, re.Pattern[str], PriceEntry]]:
        rx = self.regex.get(pid)
        if rx is None:
            rx = [
                (len(literal_prefix(p)), re.compile(p), e)
                for e in self.entries.get(pid, ())
                for p in e.regex
            ]
            rx.sort(key=lambda t: -t[0])  # stable: file order among equal prefixes
            self.regex[pid] = rx
        return rx

    def find(self, pid: str, ref: str) -> PriceEntry | None:
        hit = self.exact.get(pid, {}).get(ref)
        if hit is not None:
            return hit
        for _, pattern, entry in self._regexes(pid):
            if pattern.fullmatch(ref):
                return entry
        return None


class PriceTable:
    """Model prices by provider, with layers and a lookup cache. Thread-safe for reads;
    changes (:meth:`add_entry`, :meth:`add_file`) take a lock and clear the cache."""

    def __init__(self) -> None:
        self.providers: dict[str, ProviderInfo] = {}
        self._names: dict[str, str] = {}
        self._base = _Layer()
        self._user = _Layer()
        self._lock = threading.Lock()
        self._cache: dict[tuple[str | None, str], Resolution | None] = {}
        self._digest = hashlib.sha256()
        self._user_changes = 0
        self.files: list[Path] = []

    # ------------------------------------------------------------------ loading
    @classmethod
    def shipped(cls) -> PriceTable:
        """The table from the shipped YAML files (empty if none are found)."""
        table = cls()
        directory = shipped_pricing_dir()
        if directory is None:
            logger.warning("mcp-llm-trace: no shipped pricing data found; costs are unpriced")
            return table
        for path in sorted(directory.glob("*.yml")):
            table.add_file(path, user=False)
        return table

    def add_file(self, path: str | Path, *, user: bool = True) -> int:
        """Load one provider YAML file; returns the number of models added.

        A file may hold several YAML documents (``---``), one provider each: the
        overlay that ``pricing import`` writes is such a file.
        """
        path = Path(path)
        raw = path.read_bytes()
        docs = load_yaml_documents(path)
        if not docs or any(not isinstance(d, Mapping) or "provider" not in d for d in docs):
            raise ValueError(f"{path}: not a pricing file (needs 'provider' and 'models')")
        parsed: list[tuple[ProviderInfo, list[PriceEntry]]] = []
        for data in docs:
            info = self._provider_from(data)
            currency = str(data.get("currency", "USD"))
            source = str((data.get("source") or {}).get("name", path.name))
            entries = [
                parse_model(info.id, m, currency=currency, source=source) for m in data["models"]
            ]
            parsed.append((info, entries))
        with self._lock:
            for info, entries in parsed:
                self._register_provider(info)
                (self._user if user else self._base).add(entries)
            self._digest.update(raw)
            self.files.append(path)
            self._user_changes += int(user)
            self._cache.clear()
        return sum(len(entries) for _, entries in parsed)

    def add_entry(self, entry: PriceEntry, *, provider_names: Iterable[str] = ()) -> None:
        """Add (or replace) one model in the user layer (``register_price``)."""
        with self._lock:
            if entry.provider not in self.providers:
                names = frozenset({entry.provider, *provider_names})
                self._register_provider(ProviderInfo(entry.provider, names, first_party=False))
            self._user.add([entry])
            self._user_changes += 1
            self._cache.clear()

    def _provider_from(self, data: Mapping[str, Any]) -> ProviderInfo:
        pid = str(data["provider"])
        names = {pid, *(str(n) for n in data.get("provider_names", ()))}
        existing = self.providers.get(pid)
        if existing is not None:
            names |= existing.names
        return ProviderInfo(
            id=pid,
            names=frozenset(n.lower() for n in names),
            first_party=bool(data.get("first_party", existing.first_party if existing else False)),
            fallback=tuple(data.get("fallback_providers", existing.fallback if existing else ())),
            currency=str(data.get("currency", "USD")),
            owns=re.compile(data["owns"])
            if data.get("owns")
            else (existing.owns if existing else None),
        )

    def _register_provider(self, info: ProviderInfo) -> None:
        self.providers[info.id] = info
        for n in info.names:
            self._names[n] = info.id

    @property
    def version(self) -> str:
        """Short content hash of every loaded file, ``+uN`` after N user changes."""
        base = self._digest.hexdigest()[:12]
        return f"{base}+u{self._user_changes}" if self._user_changes else base

    # ------------------------------------------------------------------ lookup
    def resolve_provider(self, name: str | None) -> str | None:
        """Canonical provider id for an OTel ``gen_ai.provider.name`` value or alias."""
        if not name:
            return None
        key = name.strip().lower()
        return self._names.get(key) or self._names.get(key.replace("-", "_"))

    def entries(self) -> list[PriceEntry]:
        """Every entry, user layer first (a listing, not the match order)."""
        out: list[PriceEntry] = []
        for layer in (self._user, self._base):
            for items in layer.entries.values():
                out.extend(items)
        return out

    def find(self, model: str, provider: str | None = None) -> PriceEntry | None:
        """The price entry for ``model`` (optionally restricted to ``provider``).

        ``provider=None`` resolves from the model id: the first-party provider that
        ``owns`` the id (e.g. ``claude…`` → anthropic), else the one provider — or the one
        first-party provider — that knows it; else None (ambiguous). Ids are normalised
        first (:mod:`.normalise`: Bedrock ARNs/profiles, ``models/…``, OpenRouter …).
        """
        hit = self.lookup(model, provider)
        return hit.entry if hit is not None else None

    def lookup(self, model: str, provider: str | None = None) -> Resolution | None:
        """Like :meth:`find`, with where the id points and whether the price fits it."""
        key = (provider.lower() if provider else None, model)
        try:
            return self._cache[key]
        except KeyError:
            pass
        hit = self._lookup_uncached(model, provider)
        with self._lock:
            if len(self._cache) >= _CACHE_MAX:
                self._cache.clear()  # bounded: model names come from untrusted spans
            self._cache[key] = hit
        return hit

    def _lookup_uncached(self, model: str, provider: str | None) -> Resolution | None:
        for route in routes(model, provider):
            for name in route.names:
                entry = self._find_name(name, route.provider)
                if entry is not None:
                    known = region_known(route, entry.id)
                    return Resolution(entry, route.where, not known)
        return None

    def _find_name(self, ref: str, provider: str | None) -> PriceEntry | None:
        if provider:
            pid = self.resolve_provider(provider)
            if pid is None:
                return None
            hit = self._in_provider(pid, ref, fallback=True)
            if hit is None and "/" in ref:
                prefix, rest = ref.split("/", 1)
                if self.resolve_provider(prefix) == pid:
                    hit = self._in_provider(pid, rest, fallback=True)
            return hit
        if "/" in ref:  # "anthropic/claude-…" (LiteLLM style)
            prefix, rest = ref.split("/", 1)
            pid = self.resolve_provider(prefix)
            if pid is not None:
                hit = self._in_provider(pid, rest, fallback=True)
                if hit is not None:
                    return hit
        for info in self.providers.values():
            if info.owns is not None and info.owns.fullmatch(ref):
                hit = self._in_provider(info.id, ref, fallback=True)
                if hit is not None:
                    return hit
        hits = [e for pid in self.providers if (e := self._in_provider(pid, ref, False))]
        if len(hits) > 1:
            hits = [e for e in hits if self.providers[e.provider].first_party] or hits
        return hits[0] if len(hits) == 1 else None

    def _in_provider(self, pid: str, ref: str, fallback: bool) -> PriceEntry | None:
        for candidate in _spellings(ref):
            for layer in (self._user, self._base):
                hit = layer.find(pid, candidate)
                if hit is not None:
                    return hit
        if fallback:
            for other in self.providers.get(pid, ProviderInfo(pid, frozenset())).fallback:
                hit = self._in_provider(other, ref, fallback=False)
                if hit is not None:
                    return hit
        return None


def _spellings(ref: str) -> list[str]:
    """``ref`` and, when it has a compact date suffix, the dashed-date spelling."""
    dashed = _COMPACT_DATE.sub(lambda m: f"-{m[1]}-{m[2]}-{m[3]}", ref)
    if dashed != ref:
        try:
            m = _COMPACT_DATE.search(ref)
            assert m is not None
            date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return [ref]
        return [ref, dashed]
    return [ref]
