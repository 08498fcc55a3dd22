"""Push our price table into Phoenix so the cost Phoenix shows equals ours.

Phoenix ignores the ``llm.cost.*`` attributes we send and prices LLM spans itself, at
ingest, from its own price list. :func:`sync_prices_to_phoenix` creates (or updates) one
Phoenix *custom model* per price entry through the GraphQL API (``createModel`` /
``updateModel``; custom models win over Phoenix's built-in ones). Phoenix reloads prices
about every 5 s and never re-prices spans it already stored, so run the sync *before*
sending spans and let it wait (``wait=True``).

Example::

    from mcp_llm_trace.integrations.phoenix import sync_prices_to_phoenix
    result = sync_prices_to_phoenix("http://127.0.0.1:6006", models=["gpt-4o"])
    print(result.summary())
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mcp_llm_trace.integrations.phoenix.graphql import PhoenixGraphQLError, graphql_request
from mcp_llm_trace.integrations.phoenix.prices import PhoenixModelPrice, phoenix_model_prices
from mcp_llm_trace.pricing.model import PriceEntry
from mcp_llm_trace.pricing.table import PriceTable

__all__ = ["PRICE_RELOAD_WAIT_S", "SyncResult", "resolve_models", "sync_prices_to_phoenix"]

logger = logging.getLogger("mcp_llm_trace.phoenix")

#: Phoenix's model store refreshes every 5 s; waiting this long after the last change
#: guarantees a refresh has started after it (measured on arize-phoenix 20.26).
PRICE_RELOAD_WAIT_S = 7.0
_BATCH = 40  # Phoenix rejects documents with more than 50 aliases

_LIST = """
query { generativeModels(first: 100000) { edges { node {
  id name provider namePattern kind
  tokenPrices { tokenType kind costPerMillionTokens }
} } } }
"""


@dataclass
class SyncResult:
    """What a sync did. ``skipped`` and ``failed`` are ``[(model name, reason)]``;
    ``notes`` lists approximations (tiers, per-request fees) by model."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    waited_s: float = 0.0
    dry_run: bool = False

    @property
    def changed(self) -> int:
        """Models created or updated."""
        return len(self.created) + len(self.updated)

    def summary(self) -> str:
        """One human line."""
        verb = "would create" if self.dry_run else "created"
        text = (
            f"{verb} {len(self.created)}, updated {len(self.updated)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}, "
            f"failed {len(self.failed)} Phoenix model prices"
        )
        if self.dry_run:
            return text + " (dry run)"
        if self.waited_s:
            return text + f"; waited {self.waited_s:.0f} s for Phoenix to load them"
        if self.changed:
            return text + (
                f"; Phoenix applies them to spans received from ~{PRICE_RELOAD_WAIT_S:.0f} s "
                "from now (spans already stored keep their cost)"
            )
        return text


def resolve_models(table: PriceTable, refs: Iterable[str]) -> tuple[list[PriceEntry], list[str]]:
    """Price entries for model references (``gpt-4o``, ``openai/gpt-4o``, ``openai:gpt-4o``);
    returns ``(entries, unknown refs)``."""
    found: list[PriceEntry] = []
    unknown: list[str] = []
    for ref in refs:
        provider, _, model = ref.partition(":") if ":" in ref else ("", "", ref)
        entry = table.find(model, provider or None)
        if entry is None:
            unknown.append(ref)
        elif entry not in found:
            found.append(entry)
    return found, unknown


def _same(model: PhoenixModelPrice, node: dict[str, Any]) -> bool:
    if (node.get("provider") or "") != model.provider:
        return False
    if node.get("namePattern") != model.name_pattern:
        return False
    have = {
        (p["tokenType"], p["kind"]): float(p["costPerMillionTokens"])
        for p in node.get("tokenPrices") or []
    }
    want = {(c.token_type, c.kind): c.cost_per_million_tokens for c in model.costs}
    return have.keys() == want.keys() and all(
        abs(have[k] - v) <= 1e-9 * max(1.0, abs(v)) for k, v in want.items()
    )


def _existing_custom(endpoint: str, api_key: str | None) -> dict[str, dict[str, Any]]:
    payload = graphql_request(endpoint, _LIST, api_key=api_key)
    edges = (((payload.get("data") or {}).get("generativeModels") or {}).get("edges")) or []
    return {e["node"]["name"]: e["node"] for e in edges if e["node"].get("kind") == "CUSTOM"}


def _run_batch(
    endpoint: str,
    api_key: str | None,
    items: Sequence[tuple[str, PhoenixModelPrice, str | None]],
    result: SyncResult,
) -> None:
    """One GraphQL document with up to ``_BATCH`` aliased create/update mutations."""
    decls, fields, variables = [], [], {}
    for i, (op, model, model_id) in enumerate(items):
        value: dict[str, Any] = model.as_input()
        kind = "CreateModelMutationInput" if op == "create" else "UpdateModelMutationInput"
        if model_id is not None:
            value["id"] = model_id
        decls.append(f"$v{i}: {kind}!")
        fields.append(f"m{i}: {op}Model(input: $v{i}) {{ model {{ id }} }}")
        variables[f"v{i}"] = value
    doc = f"mutation ({', '.join(decls)}) {{ {' '.join(fields)} }}"
    payload = graphql_request(endpoint, doc, variables, api_key=api_key, allow_errors=True)
    # A failed alias nulls the whole `data` (non-null payloads), but the other mutations
    # of the document ran: errors carry the alias in `path`.
    failed: dict[int, str] = {}
    for err in payload.get("errors") or []:
        path = err.get("path") or []
        if not path or not str(path[0]).startswith("m"):
            raise PhoenixGraphQLError(f"Phoenix rejected the price batch: {err.get('message')}")
        failed[int(str(path[0])[1:])] = str(err.get("message"))
    for i, (op, model, _) in enumerate(items):
        if i in failed:
            result.failed.append((model.name, failed[i]))
        else:
            (result.created if op == "create" else result.updated).append(model.name)


def sync_prices_to_phoenix(
    endpoint: str,
    *,
    api_key: str | None = None,
    models: Iterable[str] | None = None,
    table: PriceTable | None = None,
    at: datetime | date | None = None,
    wait: bool = True,
    wait_s: float = PRICE_RELOAD_WAIT_S,
    dry_run: bool = False,
) -> SyncResult:
    """Create/update Phoenix custom model prices from our table; returns a :class:`SyncResult`.

    ``models`` restricts the sync to those references (default: every entry, including
    ``register_price`` and ``pricing.files`` layers of ``table``, default the process
    table). ``wait`` sleeps ``wait_s`` after a change so spans sent afterwards are
    priced with the new prices. Unknown references raise ``LookupError``.
    """
    if table is None:
        from mcp_llm_trace.pricing import get_price_table

        table = get_price_table()
    entries: list[PriceEntry] | None = None
    if models is not None:
        entries, unknown = resolve_models(table, models)
        if unknown:
            raise LookupError(f"not in our price table: {', '.join(unknown)}")
    wanted, skipped = phoenix_model_prices(table, entries, at)
    result = SyncResult(skipped=list(skipped), dry_run=dry_run)
    result.notes = [(m.name, note) for m in wanted for note in m.notes]
    existing = _existing_custom(endpoint, api_key)
    todo: list[tuple[str, PhoenixModelPrice, str | None]] = []
    for model in wanted:
        node = existing.get(model.name)
        if node is None:
            todo.append(("create", model, None))
        elif _same(model, node):
            result.unchanged.append(model.name)
        else:
            todo.append(("update", model, str(node["id"])))
    if dry_run:
        for op, model, _ in todo:
            (result.created if op == "create" else result.updated).append(model.name)
        return result
    for start in range(0, len(todo), _BATCH):
        _run_batch(endpoint, api_key, todo[start : start + _BATCH], result)
    if wait and result.changed:
        time.sleep(wait_s)
        result.waited_s = wait_s
    for name, reason in result.failed:
        logger.warning("Phoenix price sync: %s failed: %s", name, reason)
    return result
