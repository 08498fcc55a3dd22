"""Cost in Phoenix = our cost, after ``pricing sync-phoenix`` (Phoenix ignores llm.cost.*)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from pxhelpers import wait_for_spans

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.phoenix import (
    graphql_request,
    project_cost_summary,
    sync_prices_to_phoenix,
)
from mcp_llm_trace.pricing import register_price, reset_price_table

pytestmark = [pytest.mark.integration, pytest.mark.phoenix]

CENT = 0.005  # "to the cent": within half a cent


def _builtin_patterns(url: str) -> list[re.Pattern[str]]:
    query = "{ generativeModels(first: 100000) { edges { node { namePattern kind } } } }"
    edges = graphql_request(url, query)["data"]["generativeModels"]["edges"]
    return [re.compile(e["node"]["namePattern"]) for e in edges if e["node"]["kind"] == "BUILT_IN"]


def _phoenix_knows(url: str, model: str) -> bool:
    return any(p.search(model) for p in _builtin_patterns(url))


def test_demo_cost_in_phoenix_equals_ours(demo_run: Any) -> None:
    llm = demo_run.llm_spans()
    ours = sum(Decimal(str(s["attributes"].get(sc.LLM_COST_TOTAL, 0))) for s in llm)
    models = {s["attributes"][sc.LLM_MODEL_NAME] for s in llm}
    # The demo's in-house model is priced only by our price file: Phoenix does not know it.
    inhouse = [s for s in llm if s["attributes"][sc.LLM_MODEL_NAME] == "acme-internal-llm"]
    assert inhouse and all(s["attributes"].get(sc.LLM_COST_TOTAL, 0) > 0 for s in inhouse)
    assert not _phoenix_knows(demo_run.url, "acme-internal-llm")
    assert len(models) >= 4 and ours > 0
    phoenix = project_cost_summary(demo_run.url, demo_run.project)
    assert abs(phoenix["total"]["cost"] - float(ours)) < CENT
    # Not just to the cent: Phoenix does the same arithmetic, in floats.
    assert phoenix["total"]["cost"] == pytest.approx(float(ours), rel=1e-6)


def test_sync_covers_cache_reasoning_and_custom_models(
    phoenix_server: Any, phoenix_client: Any, phoenix_project: str, phoenix_telemetry: Any
) -> None:
    try:
        register_price(
            "zz-private-llm",
            provider="acme",
            input="3.3",
            output="7.7",
            cache_read="0.5",
            reasoning="20",
        )
        calls = [
            ("gpt-4o", "openai"),
            ("o3", "openai"),
            ("zz-private-llm", "acme"),
            ("claude-sonnet-4-20250514", "anthropic"),
        ]
        result = sync_prices_to_phoenix(phoenix_server.url, models=[f"{p}:{m}" for m, p in calls])
        assert not result.failed and result.created
        again = sync_prices_to_phoenix(
            phoenix_server.url, models=[f"{p}:{m}" for m, p in calls], wait=False
        )
        assert sorted(again.unchanged) == sorted(result.created + result.updated + result.unchanged)
        tel = phoenix_telemetry()
        for i, (model, provider) in enumerate(calls):
            with mlt.llm_span(model, provider=provider) as s:
                s.set_usage(
                    input_tokens=1000 + 37 * i,
                    output_tokens=300 + i,
                    cache_read_tokens=200,
                    reasoning_tokens=100,
                )
        tel.force_flush()
        sent = tel.memory_exporter.get_finished_spans()
        ours = sum(Decimal(str(s.attributes[sc.LLM_COST_TOTAL])) for s in sent)
        wait_for_spans(phoenix_client, phoenix_project, len(sent))
        phoenix = project_cost_summary(phoenix_server.url, phoenix_project)
        assert phoenix["total"]["cost"] == pytest.approx(float(ours), rel=1e-6)
    finally:
        reset_price_table()


def test_cost_summary_of_unknown_project_is_zero(phoenix_server: Any) -> None:
    summary = project_cost_summary(phoenix_server.url, "no-such-project-xyz")
    assert summary["total"] == {"cost": 0.0, "tokens": 0.0}
