"""The demo's closing summary: spans by kind, tokens, cost per tenant/model, errors."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from mcp_llm_trace import semconv as sc


def summarize(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """Aggregate the demo's spans (plain data, also used by tests)."""
    kinds: Counter[str] = Counter()
    tokens = Counter[str]()
    cost_tenant: defaultdict[str, Decimal] = defaultdict(Decimal)
    cost_model: defaultdict[str, Decimal] = defaultdict(Decimal)
    unpriced: set[str] = set()
    errors: Counter[str] = Counter()
    redactions = 0
    for s in spans:
        a: Mapping[str, Any] = s.attributes or {}
        kinds[str(a.get(sc.SPAN_KIND, "(none)"))] += 1
        if s.status.status_code is StatusCode.ERROR:
            errors[s.name] += 1
        redactions += int(a.get(sc.SCRUB_REDACTIONS, 0) or 0)
        if a.get(sc.SPAN_KIND) not in (sc.KIND_LLM, sc.KIND_EMBEDDING):
            continue
        tokens["prompt"] += int(a.get(sc.LLM_TOKEN_PROMPT, 0) or 0)
        tokens["completion"] += int(a.get(sc.LLM_TOKEN_COMPLETION, 0) or 0)
        tokens["total"] += int(a.get(sc.LLM_TOKEN_TOTAL, 0) or 0)
        if a.get(sc.TOKENS_ESTIMATED):
            tokens["estimated_spans"] += 1
        model = str(a.get(sc.LLM_MODEL_NAME) or a.get(sc.GEN_AI_REQUEST_MODEL) or "?")
        if a.get(sc.COST_PRICED) is False:
            unpriced.add(model)
        total = a.get(sc.LLM_COST_TOTAL)
        if total is not None:
            value = Decimal(str(total))
            cost_tenant[str(a.get(sc.TENANT_ID, "-"))] += value
            cost_model[model] += value
    return {
        "spans": len(spans),
        "kinds": dict(kinds),
        "tokens": dict(tokens),
        "cost_by_tenant": dict(cost_tenant),
        "cost_by_model": dict(cost_model),
        "unpriced_models": sorted(unpriced),
        "errors": dict(errors),
        "redactions": redactions,
    }


def print_summary(
    spans: Sequence[ReadableSpan],
    stats: Mapping[str, Any],
    peer: Mapping[str, Any] | None,
    elapsed: float,
    out: Path | None,
) -> None:
    """Print rich tables (plain text without rich)."""
    data = summarize(spans)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover
        print(data)
        return
    console = Console()
    peer_note = f" + {peer.get('exported', 0)} from mcp-gateway-2" if peer else ""
    console.print(
        f"[bold]mcp-llm-trace demo[/bold]: {data['spans']} spans in {elapsed:.1f} s "
        f"(gateway-1){peer_note}"
    )
    t = Table(title="Spans by OpenInference kind")
    t.add_column("kind")
    t.add_column("spans", justify="right")
    for k, n in sorted(data["kinds"].items()):
        t.add_row(k, str(n))
    console.print(t)
    t = Table(title="Tokens (LLM + embedding spans)")
    for col in ("prompt", "completion", "total", "spans with estimated counts"):
        t.add_column(col, justify="right")
    tok = data["tokens"]
    t.add_row(*(str(tok.get(k, 0)) for k in ("prompt", "completion", "total", "estimated_spans")))
    console.print(t)
    t = Table(title="Cost (USD, computed from the shipped price table)")
    t.add_column("tenant / model")
    t.add_column("cost", justify="right")
    for tenant, c in sorted(data["cost_by_tenant"].items()):
        t.add_row(f"tenant {tenant}", f"{c:.6f}")
    for model, c in sorted(data["cost_by_model"].items()):
        t.add_row(f"model {model}", f"{c:.6f}")
    for model in data["unpriced_models"]:
        t.add_row(f"model {model}", "unpriced (not in table)")
    console.print(t)
    dropped = {k: v for k, v in stats.get("dropped", {}).items() if v}
    console.print(
        f"errors: {sum(data['errors'].values())} spans "
        f"({', '.join(f'{k}×{v}' for k, v in data['errors'].items()) or 'none'}); "
        f"PII/secret redactions: {data['redactions']}; dropped: {dropped or 0}"
    )
    if out is not None:
        console.print(f"OTLP/JSON lines written to [bold]{out}/[/bold]")
