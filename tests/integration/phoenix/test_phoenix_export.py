"""The ``phoenix`` exporter against a real Phoenix: kinds, tokens, links, attribution,
scrubbing, and a burst that must arrive complete."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from pxhelpers import attr, wait_for_spans

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc

pytestmark = [pytest.mark.integration, pytest.mark.phoenix]

#: OpenInference span kinds (the spec's list) — each must arrive as itself.
OI_KINDS = {
    "LLM",
    "TOOL",
    "RETRIEVER",
    "EMBEDDING",
    "RERANKER",
    "AGENT",
    "CHAIN",
    "PROMPT",
    "GUARDRAIL",
}


def _by_span_id(df: Any) -> dict[str, Any]:
    return {row["context.span_id"]: row for _, row in df.iterrows()}


def _parent(row: Any) -> str | None:
    value = row["parent_id"]
    return None if pd.isna(value) or not value else str(value)


def _hex(span_id: int) -> str:
    return format(span_id, "016x")


def test_every_span_kind_arrives_with_its_kind(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str
) -> None:
    tel = phoenix_telemetry()
    with mlt.agent_span("planner"), mlt.chain_span("rag"):
        with mlt.llm_span("gpt-4o", provider="openai") as s:
            s.set_usage(input_tokens=10, output_tokens=2)
        with mlt.tool_span("github_search", arguments={"q": "otel"}) as t:
            t.set_output({"hits": 3})
        with mlt.prompt_span("summarize", template="Summarize {x}", variables={"x": "y"}):
            pass
        with mlt.retriever_span("what is otel?") as r:
            r.set_documents([{"id": "d1", "content": "OpenTelemetry", "score": 0.9}])
        with mlt.embedding_span("text-embedding-3-small", texts=["hi"], provider="openai"):
            pass
        with mlt.vector_search_span(collection="docs", top_k=2, db_system="qdrant"):
            pass
        with mlt.reranker_span("rerank-v3", query="q") as rr:
            rr.set_documents([{"id": "d1", "content": "x", "score": 0.5}])
        with mlt.guardrail_span("pii-check"):
            pass
    tel.force_flush()
    sent = tel.memory_exporter.get_finished_spans()
    df = wait_for_spans(phoenix_client, phoenix_project, len(sent))
    rows = _by_span_id(df)
    expected = {_hex(s.context.span_id): s.attributes[sc.SPAN_KIND] for s in sent}
    assert set(expected.values()) == OI_KINDS
    got = {sid: rows[sid]["span_kind"] for sid in expected}
    assert got == expected


def test_token_counts_arrive(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str
) -> None:
    tel = phoenix_telemetry()
    with mlt.llm_span("o3", provider="openai") as s:
        s.set_usage(input_tokens=812, output_tokens=96, cache_read_tokens=512, reasoning_tokens=40)
    tel.force_flush()
    row = next(iter(wait_for_spans(phoenix_client, phoenix_project, 1).iterrows()))[1]
    assert attr(row, "llm.token_count.prompt") == 812
    assert attr(row, "llm.token_count.completion") == 96
    assert attr(row, "llm.token_count.total") == 812 + 96
    assert attr(row, "llm.token_count.prompt_details.cache_read") == 512
    assert attr(row, "llm.token_count.completion_details.reasoning") == 40


def test_parent_child_links(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str
) -> None:
    tel = phoenix_telemetry()
    with mlt.chain_span("request"), mlt.agent_span("planner"):
        with mlt.tool_span("lookup"):
            pass
        with mlt.llm_span("gpt-4o-mini", provider="openai") as s:
            s.set_usage(input_tokens=5, output_tokens=5)
    tel.force_flush()
    sent = tel.memory_exporter.get_finished_spans()
    rows = _by_span_id(wait_for_spans(phoenix_client, phoenix_project, len(sent)))
    for span in sent:
        row = rows[_hex(span.context.span_id)]
        assert row["context.trace_id"] == format(span.context.trace_id, "032x")
        parent = _hex(span.parent.span_id) if span.parent else None
        assert _parent(row) == parent
    roots = [r for r in rows.values() if _parent(r) is None]
    assert [r["name"] for r in roots] == ["request"]


def test_attribution_arrives(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str, phoenix_server: Any
) -> None:
    tel = phoenix_telemetry()
    with mlt.using_attributes(
        user_id="u-42", session_id="s-9", tenant_id="acme", metadata={"plan": "pro", "region": "eu"}
    ):
        with mlt.llm_span("gpt-4o", provider="openai") as s:
            s.set_usage(input_tokens=3, output_tokens=1)
    tel.force_flush()
    row = next(iter(wait_for_spans(phoenix_client, phoenix_project, 1).iterrows()))[1]
    assert attr(row, sc.USER_ID) == "u-42"
    assert attr(row, sc.SESSION_ID) == "s-9"
    assert attr(row, sc.TENANT_ID) == "acme"
    meta = attr(row, sc.METADATA)
    meta = json.loads(meta) if isinstance(meta, str) else meta
    assert meta == {"plan": "pro", "region": "eu"}
    # Phoenix groups the trace into a session (its "Sessions" tab) from session.id.
    from mcp_llm_trace.integrations.phoenix import graphql_request

    query = """query ($name: String!) { getProjectByName(name: $name) {
      sessions(first: 10) { edges { node { sessionId } } } } }"""
    data = graphql_request(phoenix_server.url, query, {"name": phoenix_project})["data"]
    sessions = [e["node"]["sessionId"] for e in data["getProjectByName"]["sessions"]["edges"]]
    assert sessions == ["s-9"]


RAW_EMAIL = "jane.doe@example.com"
RAW_CARD = "4111 1111 1111 1111"
RAW_KEY = "sk-proj-abcdEFGHijklMNOPqrstUVWXyz0123456789ABCDEFGH"


def test_scrubbed_values_arrive_scrubbed(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str
) -> None:
    tel = phoenix_telemetry(capture_content=True, sanitize_pii=True)
    prompt = f"Mail {RAW_EMAIL}, card {RAW_CARD}, key {RAW_KEY}"
    with mlt.llm_span("gpt-4o", provider="openai") as s:
        s.set_input([{"role": "user", "content": prompt}])
        s.set_output(f"Sent to {RAW_EMAIL}")
        s.set_usage(input_tokens=20, output_tokens=4)
    with mlt.tool_span("send_mail", arguments={"to": RAW_EMAIL}) as t:
        t.set_output("ok")
    tel.force_flush()
    sent = tel.memory_exporter.get_finished_spans()
    df = wait_for_spans(phoenix_client, phoenix_project, len(sent))
    stored = df.to_json(date_format="iso")
    for raw in (RAW_EMAIL, RAW_CARD, RAW_KEY):
        assert raw not in stored
    # What Phoenix stores is exactly what we exported (scrubbed, with the audit count).
    rows = _by_span_id(df)
    llm = next(s for s in sent if s.attributes[sc.SPAN_KIND] == "LLM")
    row = rows[_hex(llm.context.span_id)]
    assert attr(row, sc.INPUT_VALUE) == llm.attributes[sc.INPUT_VALUE]
    assert attr(row, sc.SCRUB_REDACTIONS) == llm.attributes[sc.SCRUB_REDACTIONS] >= 3


@pytest.mark.slow
def test_burst_of_5000_spans_arrives_complete(
    phoenix_telemetry: Any, phoenix_client: Any, phoenix_project: str
) -> None:
    n = 5000
    tel = phoenix_telemetry(traces_exporter="phoenix")
    tracer = tel.get_tracer("burst")
    for i in range(n // 10):
        with tracer.start_as_current_span(f"request-{i}"):
            for j in range(9):
                with tracer.start_as_current_span(f"step-{j}") as s:
                    s.set_attribute("step", j)
    assert tel.force_flush(120)
    assert sum(tel.stats()["dropped"].values()) == 0
    df = wait_for_spans(phoenix_client, phoenix_project, n, timeout_s=180)
    assert len(df) == n
    assert df["context.span_id"].nunique() == n
    assert sum(tel.stats()["dropped"].values()) == 0
