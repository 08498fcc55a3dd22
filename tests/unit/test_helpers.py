"""Every span helper: sync and async use, success and error paths, nesting, recorders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans

pytestmark = pytest.mark.mcp_llm_trace(sanitize_pii=False)

#: helper id → (factory, expected span name)
HELPERS: dict[str, tuple[Callable[[], Any], str]] = {
    "llm_span": (lambda: mlt.llm_span("gpt-4o", provider="openai"), "chat gpt-4o"),
    "tool_span": (lambda: mlt.tool_span("github_search"), "execute_tool github_search"),
    "prompt_span": (lambda: mlt.prompt_span("summarize", version="2"), "prompt summarize"),
    "retriever_span": (lambda: mlt.retriever_span("q", data_source="kb"), "retrieval kb"),
    "embedding_span": (
        lambda: mlt.embedding_span("text-embedding-3-small", provider="openai"),
        "embeddings text-embedding-3-small",
    ),
    "vector_search_span": (lambda: mlt.vector_search_span("docs", top_k=3), "search docs"),
    "reranker_span": (lambda: mlt.reranker_span("rerank-v3"), "rerank rerank-v3"),
    "agent_span": (lambda: mlt.agent_span("planner"), "invoke_agent planner"),
    "chain_span": (lambda: mlt.chain_span("rag-pipeline"), "rag-pipeline"),
    "guardrail_span": (lambda: mlt.guardrail_span("pii"), "guardrail pii"),
    "mcp_tool_call": (lambda: mlt.mcp_tool_call("github_search"), "tools/call github_search"),
    "mcp_prompt_get": (lambda: mlt.mcp_prompt_get("summarize"), "prompts/get summarize"),
    "mcp_resource_read": (lambda: mlt.mcp_resource_read("file:///a"), "resources/read file:///a"),
    "federation_forward": (lambda: mlt.federation_forward("gw2"), "gateway.forward"),
    "batch_span": (lambda: mlt.batch_span("reindex"), "batch reindex"),
    "db_span": (lambda: mlt.db_span("SELECT", db_system="sqlite", collection="kb"), "SELECT kb"),
    "plugin_span": (
        lambda: mlt.plugin_span("PIIFilter", hook="pre_invoke"),
        "plugin pre_invoke PIIFilter",
    ),
    "cache_span": (lambda: mlt.cache_span("prompt-cache"), "cache prompt-cache"),
    "create_span": (lambda: mlt.create_span("custom.op"), "custom.op"),
}
IDS = list(HELPERS)


class UpstreamError(RuntimeError):
    pass


def _only(captured: CapturedSpans) -> ReadableSpan:
    spans = captured.spans
    assert len(spans) == 1, [s.name for s in spans]
    return spans[0]


@pytest.mark.parametrize("helper", IDS)
def test_sync_success(captured_spans: CapturedSpans, helper: str) -> None:
    make, name = HELPERS[helper]
    with make() as h:
        assert h.is_recording
        h.set_attribute("mcp_llm_trace.test.flag", True)
    span = _only(captured_spans)
    assert span.name == name
    assert span.status.status_code is StatusCode.UNSET
    assert (span.attributes or {})["mcp_llm_trace.test.flag"] is True
    assert span.end_time is not None


@pytest.mark.parametrize("helper", IDS)
def test_sync_error_reraised_unchanged(captured_spans: CapturedSpans, helper: str) -> None:
    make, name = HELPERS[helper]
    err = UpstreamError("github API returned 502")
    with pytest.raises(UpstreamError) as info, make():
        raise err
    assert info.value is err
    span = _only(captured_spans)
    assert span.name == name
    assert span.status.status_code is StatusCode.ERROR
    assert "UpstreamError" in (span.status.description or "")
    attrs = dict(span.attributes or {})
    assert attrs[sc.ERROR_TYPE] == "UpstreamError"
    (event,) = [e for e in span.events if e.name == "exception"]
    ev = dict(event.attributes or {})
    assert ev[sc.EXCEPTION_TYPE].endswith("UpstreamError")
    assert ev[sc.EXCEPTION_MESSAGE] == "github API returned 502"


@pytest.mark.parametrize("helper", IDS)
async def test_async_success_and_error(captured_spans: CapturedSpans, helper: str) -> None:
    make, name = HELPERS[helper]
    async with make() as h:
        h.add_event("step", {"mcp_llm_trace.test.n": 1})
    with pytest.raises(UpstreamError):
        async with make():
            raise UpstreamError("x")
    ok, failed = captured_spans.spans
    assert ok.name == failed.name == name
    assert ok.status.status_code is StatusCode.UNSET
    assert [e.name for e in ok.events] == ["step"]
    assert failed.status.status_code is StatusCode.ERROR


def test_nesting_parent_child(captured_spans: CapturedSpans) -> None:
    with mlt.chain_span("rag") as chain:
        with mlt.retriever_span("q") as ret:
            ret.set_documents(["a", "b"])
        with mlt.llm_span("gpt-4o"):
            with mlt.tool_span("calc"):
                pass
    spans = {s.name: s for s in captured_spans.spans}
    root = spans["rag"]
    assert root.parent is None
    assert captured_spans.children_of(root) == [spans["retrieval"], spans["chat gpt-4o"]]
    assert captured_spans.children_of(spans["chat gpt-4o"]) == [spans["execute_tool calc"]]
    assert len({s.context.trace_id for s in spans.values()}) == 1
    assert chain.span.get_span_context().span_id == root.context.span_id


async def test_async_nesting_across_await(captured_spans: CapturedSpans) -> None:
    import asyncio

    async def step(i: int) -> None:
        async with mlt.tool_span(f"t{i}"):
            await asyncio.sleep(0.001)

    async with mlt.agent_span("planner"):
        await asyncio.gather(step(1), step(2))
    spans = {s.name: s for s in captured_spans.spans}
    agent = spans["invoke_agent planner"]
    for i in (1, 2):
        child = spans[f"execute_tool t{i}"]
        assert child.parent is not None
        assert child.parent.span_id == agent.context.span_id


def test_llm_span_details(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("gpt-4o", provider="openai") as s:
        s.set_input([{"role": "user", "content": "hi"}])
        s.set_output("hello", finish_reason="stop")
        s.set_usage(input_tokens=8, output_tokens=2, cache_read_tokens=4, reasoning_tokens=1)
    a = captured_spans.attributes_of("chat gpt-4o")
    assert a[sc.LLM_TOKEN_PROMPT] == 8
    assert a[sc.LLM_TOKEN_COMPLETION] == 2
    assert a[sc.LLM_TOKEN_TOTAL] == 10
    assert a[sc.LLM_TOKEN_CACHE_READ] == 4
    assert a[sc.GEN_AI_USAGE_REASONING] == 1
    assert a[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert a[sc.CONTENT_MESSAGE_COUNT] == 1
    assert a[sc.input_message_key(0, "role")] == "user"


def test_tool_span_set_error_without_exception(captured_spans: CapturedSpans) -> None:
    with mlt.mcp_tool_call("github_search") as call:
        call.set_error("tool returned isError", error_type="tool_error")
    span = captured_spans.one("tools/call github_search")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})[sc.ERROR_TYPE] == "tool_error"


def test_batch_counts(captured_spans: CapturedSpans) -> None:
    with mlt.batch_span("import") as b:
        for i in range(5):
            if i == 3:
                b.item_failed(i, ValueError("bad row"))
            else:
                b.item_succeeded()
    span = captured_spans.one("batch import")
    a = dict(span.attributes or {})
    assert a[sc.BATCH_ITEMS] == 5
    assert a[sc.BATCH_FAILED_ITEMS] == 1
    assert span.status.status_code is StatusCode.UNSET  # per-item failures are events
    (ev,) = [e for e in span.events if e.name == "batch.item_failed"]
    assert dict(ev.attributes or {}) == {sc.BATCH_ITEM_ID: "3", sc.ERROR_TYPE: "ValueError"}


def test_db_span_attributes(captured_spans: CapturedSpans) -> None:
    with mlt.db_span("INSERT", db_system="postgresql", collection="conv", namespace="app"):
        pass
    a = captured_spans.attributes_of("INSERT conv")
    assert a[sc.DB_SYSTEM] == "postgresql"
    assert a[sc.DB_OPERATION_NAME] == "INSERT"
    assert a[sc.DB_COLLECTION_NAME] == "conv"
    assert a[sc.DB_NAMESPACE] == "app"
    assert a[sc.DB_QUERY_SUMMARY] == "INSERT conv"


def test_federation_forward_propagates(captured_spans: CapturedSpans) -> None:
    with mlt.federation_forward("mcp-gateway-2", target="kb_lookup") as fwd:
        carrier = mlt.inject_context({})
    span = captured_spans.one("gateway.forward")
    a = dict(span.attributes or {})
    assert a[sc.PEER_SERVICE] == "mcp-gateway-2"
    assert a[sc.RPC_METHOD] == "tools/call"
    assert a[sc.GEN_AI_TOOL_NAME] == "kb_lookup"
    # The receiving side continues the same trace, as a child of the forward span.
    with mlt.use_context(mlt.extract_context(carrier)), mlt.mcp_tool_call("kb_lookup"):
        pass
    peer = captured_spans.one("tools/call kb_lookup")
    assert peer.context.trace_id == span.context.trace_id
    assert peer.parent is not None
    assert peer.parent.span_id == fwd.span.get_span_context().span_id


def test_recorders(captured_spans: CapturedSpans) -> None:
    with mlt.tool_span("github_search"):
        mlt.record_retry(1, backoff_ms=50, error=TimeoutError("slow"))
        mlt.record_retry(2, backoff_ms=100, error="HTTP 502")
        mlt.record_plugin("RateLimiter", order=1, duration_ms=0.2)
        mlt.record_plugin("PIIFilter", order=2, outcome="modified", hook="post_invoke")
        mlt.record_cache("prompt-cache", hit=False)
    span = captured_spans.one("execute_tool github_search")
    a = dict(span.attributes or {})
    assert a[sc.RETRY_ATTEMPT] == 2
    assert a[sc.CACHE_HIT] is False
    assert a[sc.CACHE_NAME] == "prompt-cache"
    events = [(e.name, dict(e.attributes or {})) for e in span.events]
    assert events[0] == (
        "retry",
        {sc.RETRY_ATTEMPT: 1, sc.RETRY_BACKOFF_MS: 50.0, sc.ERROR_TYPE: "TimeoutError"},
    )
    assert events[1][1][sc.ERROR_TYPE] == "HTTP 502"
    assert events[2] == (
        "plugin.pre_invoke.executed",
        {
            sc.SEED_PLUGIN_NAME: "RateLimiter",
            sc.PLUGIN_NAME: "RateLimiter",
            sc.PLUGIN_OUTCOME: "ok",
            sc.PLUGIN_ORDER: 1,
            sc.PLUGIN_DURATION_MS: 0.2,
        },
    )
    assert events[3][0] == "plugin.post_invoke.executed"
    assert events[4] == ("cache.miss", {sc.CACHE_NAME: "prompt-cache"})


def test_recorders_outside_a_span_are_harmless(captured_spans: CapturedSpans) -> None:
    mlt.record_retry(1)
    mlt.record_plugin("x")
    mlt.record_cache("c", hit=True)
    mlt.set_attribute("mcp_llm_trace.x", 1)
    mlt.add_event("nothing")
    mlt.record_exception(ValueError("x"))
    assert captured_spans.spans == []


def test_record_exception_on_current_span(captured_spans: CapturedSpans) -> None:
    with mlt.create_span("op"):
        try:
            raise KeyError("k")
        except KeyError as exc:
            mlt.record_exception(exc)
    span = captured_spans.one("op")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})[sc.ERROR_TYPE] == "KeyError"


def test_handled_exception_without_error_status(captured_spans: CapturedSpans) -> None:
    with mlt.tool_span("t") as t:
        t.record_exception(ValueError("retried fine"), set_error=False)
    span = captured_spans.one("execute_tool t")
    assert span.status.status_code is StatusCode.UNSET
    assert [e.name for e in span.events] == ["exception"]


def test_user_attributes_are_coerced(captured_spans: CapturedSpans) -> None:
    class Obj:
        def __str__(self) -> str:
            return "obj"

    with mlt.create_span("op", attributes={"mcp_llm_trace.obj": Obj()}) as h:
        h.set_attributes({"mcp_llm_trace.d": {"a": 1}, "mcp_llm_trace.none": None})
    a = captured_spans.attributes_of("op")
    assert isinstance(a["mcp_llm_trace.obj"], str)
    assert isinstance(a["mcp_llm_trace.d"], str)


def test_disabled_helpers_are_noops() -> None:
    from mcp_llm_trace._internal import runtime

    saved = runtime.HOLDER.current, runtime.HOLDER.explicit
    runtime.HOLDER.current, runtime.HOLDER.explicit = runtime.Runtime(), True
    try:
        for make, _ in HELPERS.values():
            with make() as h:
                assert not h.is_recording
                h.set_input("x")
                h.set_output("y")
                h.set_attribute("k", 1)
        with pytest.raises(UpstreamError), mlt.tool_span("t"):
            raise UpstreamError("still raised")
    finally:
        runtime.HOLDER.current, runtime.HOLDER.explicit = saved
