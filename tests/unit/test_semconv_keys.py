"""Dual semantic conventions: key sets per mode, span names, and the validity rule —
every attribute key any helper emits is a standard constant or ``mcp_llm_trace.*``,
and every value is a valid OTel attribute type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans, capture_spans

_CAPTURE_ALL = {
    "capture_content": True,
    "capture_embeddings_vectors": True,
    "sanitize_pii": False,
}

OI_PREFIXES = (
    "openinference.",
    "llm.",
    "input.",
    "output.",
    "tool.",
    "retrieval.",
    "embedding.",
    "reranker.",
    "agent.",
)
#: gen_ai keys the MCP semantic conventions themselves put on MCP spans.
MCP_GENAI_KEYS = {sc.GEN_AI_TOOL_NAME, sc.GEN_AI_OPERATION_NAME, sc.GEN_AI_PROMPT_NAME}


def run_every_helper() -> None:
    """Call every public span helper and recorder once, with content and all options."""
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
    ]
    tool_call = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "function": {"name": "weather", "arguments": '{"city":"Paris"}'}}
        ],
    }
    with (
        mlt.using_attributes(
            user_id="u1", tenant_id="acme", session_id="s1", metadata={"plan": "pro"}, tags=["t"]
        ),
        mlt.create_span(
            "gateway.request",
            openinference_kind="CHAIN",
            attributes={sc.HTTP_REQUEST_METHOD: "POST", sc.URL_PATH: "/mcp"},
        ) as req,
    ):
        req.set_input({"q": 1})
        mlt.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, 200)
        mlt.set_attributes({sc.SERVER_ADDRESS: "gw"})
        mlt.add_event("request.validated", {sc.GEN_AI_TOOL_NAME: "x"})
        with mlt.agent_span("planner") as agent:
            agent.set_output("plan")
        with mlt.chain_span("rag") as chain:
            chain.set_input("q")
            chain.set_output("a")
        with mlt.guardrail_span("toxicity") as g:
            g.set_error("blocked", error_type="policy")
        with mlt.prompt_span(
            "summarize", template="Sum {text}", variables={"text": "t"}, version="3"
        ) as p:
            p.set_output("Sum t")
        with mlt.llm_span("gpt-4o", provider="openai", stream=True) as llm:
            llm.set_input(messages)
            llm.set_invocation_parameters({"temperature": 0.2, "max_tokens": 64, "stop": ["\n"]})
            llm.set_tools([{"type": "function", "function": {"name": "weather"}}])
            llm.add_chunk("Sunny")
            llm.set_output([tool_call], finish_reason="tool_calls")
            llm.set_usage(
                input_tokens=20,
                output_tokens=5,
                cache_read_tokens=4,
                cache_write_tokens=2,
                reasoning_tokens=1,
            )
            llm.set_response(model="gpt-4o-2024-08-06", response_id="r1", finish_reasons=["stop"])
        with mlt.tool_span(
            "weather", arguments={"city": "Paris"}, description="Weather", call_id="call_1"
        ) as tool:
            tool.set_output({"temp": 21})
        with mlt.embedding_span(
            "text-embedding-3-small", texts=["a", "b"], provider="openai"
        ) as emb:
            emb.set_embeddings([[0.1, 0.2], [0.3, 0.4]])
            emb.set_usage(input_tokens=4)
        docs = [{"id": "d1", "content": "Doc one", "score": 0.9, "metadata": {"src": "kb"}}]
        with mlt.vector_search_span("docs", top_k=3, db_system="qdrant", query="paris") as vs:
            vs.set_documents(docs)
        with mlt.reranker_span("rerank-v3", query="paris", top_k=1) as rr:
            rr.set_input_documents(docs)
            rr.set_documents(docs)
        with mlt.retriever_span("paris", data_source="kb", top_k=1) as ret:
            ret.set_documents(docs)
        with mlt.mcp_tool_call(
            "github_search",
            arguments={"q": "otel"},
            session_id="m1",
            request_id=7,
            protocol_version="2025-06-18",
        ) as call:
            mlt.record_retry(1, backoff_ms=50, error=RuntimeError("502"))
            mlt.record_plugin("PIIFilter", order=2, duration_ms=0.4)
            call.set_output({"items": []})
        with mlt.mcp_prompt_get("summarize", arguments={"text": "t"}, request_id="p1") as pg:
            pg.set_output("Sum t")
        with mlt.mcp_resource_read("file:///notes.md", side="client") as rd:
            rd.set_output("notes")
        with mlt.federation_forward("mcp-gateway-2", target="kb_lookup"):
            mlt.inject_context({})
        with mlt.batch_span("reindex", items=2) as b:
            b.item_succeeded()
            b.item_failed("i2", ValueError("bad"))
        with mlt.db_span("SELECT", db_system="postgresql", collection="users", namespace="app"):
            pass
        with mlt.plugin_span("RateLimiter", order=1, hook="pre_invoke"):
            pass
        with mlt.cache_span("prompt-cache", key_summary="prompt:v3"):
            mlt.record_cache("prompt-cache", hit=True)
        with mlt.create_span("handled"):
            mlt.record_exception(ValueError("handled"))
        try:
            with mlt.tool_span("fails"):
                raise TimeoutError("slow upstream")
        except TimeoutError:
            pass

    @mlt.trace_operation("decorated", capture_io=True)
    def decorated(x: int) -> int:
        return x

    decorated(1)
    req.set_output("done")


@pytest.fixture(params=["both", "openinference", "genai"])
def mode_spans(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[ReadableSpan]]]:
    cap = capture_spans(semconv=request.param, **_CAPTURE_ALL)
    try:
        run_every_helper()
        yield request.param, cap.spans
    finally:
        cap.telemetry.shutdown()


def _valid_value(v: Any) -> bool:
    if isinstance(v, (str, bool, int, float)):
        return True
    if isinstance(v, tuple | list):
        kinds = {type(x) for x in v}
        return len(kinds) <= 1 and all(isinstance(x, (str, bool, int, float)) for x in v)
    return False


def test_every_emitted_key_is_known_and_every_value_valid(
    mode_spans: tuple[str, list[ReadableSpan]],
) -> None:
    _, spans = mode_spans
    assert len(spans) >= len(EXPECTED)
    unknown: dict[str, str] = {}
    bad: dict[str, Any] = {}
    for span in spans:
        items: list[tuple[str, Any]] = list((span.attributes or {}).items())
        for event in span.events:
            if event.name != "exception":  # the SDK's own exception.* keys
                items += list((event.attributes or {}).items())
        for key, value in items:
            if not sc.is_known_key(key):
                unknown[key] = span.name
            if not _valid_value(value):
                bad[key] = value
    assert unknown == {}, f"keys not from semconv constants: {unknown}"
    assert bad == {}


def _leaks(mode: str, attrs: Mapping[str, Any], mcp: bool) -> list[str]:
    # Attribution (using_attributes) keys are shared by both modes: user.id, session.id,
    # metadata, tag.tags and gen_ai.conversation.id (= the session) are always written.
    shared = {sc.USER_ID, sc.SESSION_ID, sc.METADATA, sc.TAG_TAGS, sc.GEN_AI_CONVERSATION_ID}
    if mode == "openinference":
        allowed = shared | (MCP_GENAI_KEYS if mcp else set())
        return [k for k in attrs if k.startswith("gen_ai.") and k not in allowed]
    if mode == "genai":
        # input.value/output.value stay on generic spans (no GenAI equivalent);
        # everything else OpenInference-specific must be absent.
        generic = {sc.INPUT_VALUE, sc.OUTPUT_VALUE, sc.INPUT_MIME_TYPE, sc.OUTPUT_MIME_TYPE}
        # GenAI has no cost keys: cost stays in llm.cost.* (+ mcp_llm_trace.cost.*).
        return [
            k
            for k in attrs
            if k.startswith(OI_PREFIXES)
            and k not in generic | shared
            and not k.startswith("llm.cost.")
        ]
    return []


def test_each_mode_emits_only_its_convention(mode_spans: tuple[str, list[ReadableSpan]]) -> None:
    mode, spans = mode_spans
    by_name = {s.name: dict(s.attributes or {}) for s in spans}
    leaks = {
        name: found
        for name, attrs in by_name.items()
        if (found := _leaks(mode, attrs, mcp=sc.MCP_METHOD_NAME in attrs))
    }
    assert leaks == {}
    llm = by_name["chat gpt-4o"]
    if mode in ("both", "openinference"):
        assert llm[sc.SPAN_KIND] == "LLM"
        assert llm[sc.LLM_MODEL_NAME] == "gpt-4o-2024-08-06"  # the response model wins
        assert llm[sc.LLM_PROVIDER] == "openai"
        assert llm[sc.LLM_TOKEN_TOTAL] == 25
        assert llm[sc.input_message_key(1, "content")] == "Weather in Paris?"
        assert llm[sc.output_message_key(0, "tool_calls") + ".0." + sc.TOOL_CALL_FUNCTION_NAME] == (
            "weather"
        )
        assert by_name["execute_tool weather"][sc.TOOL_PARAMETERS] == '{"city":"Paris"}'
    else:
        assert sc.SPAN_KIND not in llm
    if mode in ("both", "genai"):
        assert llm[sc.GEN_AI_OPERATION_NAME] == "chat"
        assert llm[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o"
        assert llm[sc.GEN_AI_PROVIDER_NAME] == "openai"
        assert llm[sc.GEN_AI_USAGE_INPUT_TOKENS] == 20
        assert llm[sc.GEN_AI_USAGE_CACHE_READ] == 4
        assert llm[sc.GEN_AI_REQUEST_TEMPERATURE] == 0.2
        assert '"Weather in Paris?"' in llm[sc.GEN_AI_INPUT_MESSAGES]
        tool = by_name["execute_tool weather"]
        assert tool[sc.GEN_AI_TOOL_CALL_ARGUMENTS] == '{"city":"Paris"}'
        assert tool[sc.GEN_AI_TOOL_CALL_RESULT] == '{"temp":21}'
        assert tool[sc.GEN_AI_TOOL_CALL_ID] == "call_1"
        assert by_name["retrieval kb"][sc.GEN_AI_RETRIEVAL_QUERY_TEXT] == "paris"
    else:
        assert not any(k.startswith("gen_ai.usage") for k in llm)
    # MCP keys are there in every mode.
    mcp = by_name["tools/call github_search"]
    assert mcp[sc.MCP_METHOD_NAME] == "tools/call"
    assert mcp[sc.MCP_SESSION_ID] == "m1"
    assert mcp[sc.JSONRPC_REQUEST_ID] == "7"
    assert mcp[sc.MCP_PROTOCOL_VERSION] == "2025-06-18"
    assert mcp[sc.GEN_AI_TOOL_NAME] == "github_search"
    assert by_name["resources/read file:///notes.md"][sc.MCP_RESOURCE_URI] == "file:///notes.md"


EXPECTED = {
    # span name: (SpanKind, openinference kind, gen_ai.operation.name)
    "chat gpt-4o": (SpanKind.CLIENT, "LLM", "chat"),
    "execute_tool weather": (SpanKind.INTERNAL, "TOOL", "execute_tool"),
    "embeddings text-embedding-3-small": (SpanKind.CLIENT, "EMBEDDING", "embeddings"),
    "retrieval kb": (SpanKind.INTERNAL, "RETRIEVER", "retrieval"),
    "search docs": (SpanKind.CLIENT, "RETRIEVER", "retrieval"),
    "rerank rerank-v3": (SpanKind.INTERNAL, "RERANKER", None),
    "invoke_agent planner": (SpanKind.INTERNAL, "AGENT", "invoke_agent"),
    "rag": (SpanKind.INTERNAL, "CHAIN", None),
    "guardrail toxicity": (SpanKind.INTERNAL, "GUARDRAIL", None),
    "prompt summarize": (SpanKind.INTERNAL, "PROMPT", None),
    "tools/call github_search": (SpanKind.SERVER, "TOOL", "execute_tool"),
    "prompts/get summarize": (SpanKind.SERVER, "PROMPT", None),
    "resources/read file:///notes.md": (SpanKind.CLIENT, "RETRIEVER", None),
    "gateway.forward": (SpanKind.CLIENT, "CHAIN", None),
    "batch reindex": (SpanKind.INTERNAL, "CHAIN", None),
    "SELECT users": (SpanKind.CLIENT, "CHAIN", None),
    "plugin pre_invoke RateLimiter": (SpanKind.INTERNAL, "CHAIN", None),
    "cache prompt-cache": (SpanKind.INTERNAL, "CHAIN", None),
}


def test_span_names_and_kinds() -> None:
    cap = capture_spans(**_CAPTURE_ALL)
    try:
        run_every_helper()
        spans = {s.name: s for s in cap.spans}
    finally:
        cap.telemetry.shutdown()
    for name, (kind, oi_kind, op) in EXPECTED.items():
        assert name in spans, f"missing span {name!r}; have {sorted(spans)}"
        span = spans[name]
        attrs = dict(span.attributes or {})
        assert span.kind is kind, name
        assert attrs.get(sc.SPAN_KIND) == oi_kind, name
        assert attrs.get(sc.GEN_AI_OPERATION_NAME) == op, name


def test_llm_span_name_variants(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("claude-sonnet-4", provider="anthropic", operation="text_completion"):
        pass
    with mlt.llm_span(provider="openai"):
        pass
    with mlt.llm_span("gpt-4o", name="custom"):
        pass
    assert captured_spans.names() == ["text_completion claude-sonnet-4", "chat", "custom"]
    attrs = captured_spans.attributes_of("text_completion claude-sonnet-4")
    assert attrs[sc.GEN_AI_PROVIDER_NAME] == "anthropic"
    assert attrs[sc.LLM_PROVIDER] == "anthropic"


@pytest.mark.parametrize(
    ("provider", "genai_name"),
    [("google", "gcp.gemini"), ("bedrock", "aws.bedrock"), ("mistral", "mistral_ai")],
)
def test_provider_aliases_map_to_genai_names(
    captured_spans: CapturedSpans, provider: str, genai_name: str
) -> None:
    with mlt.llm_span("m", provider=provider):
        pass
    assert captured_spans.attributes_of("chat m")[sc.GEN_AI_PROVIDER_NAME] == genai_name


def test_is_known_key_rules() -> None:
    assert sc.is_known_key("mcp_llm_trace.anything.at.all")
    assert sc.is_known_key(sc.input_message_key(3, "content"))
    assert sc.is_known_key(sc.document_key(0, "score"))
    assert sc.is_known_key(sc.TENANT_ID)
    assert sc.is_known_key("gen_ai.usage.input_tokens")
    assert sc.is_known_key("url.path")
    assert not sc.is_known_key("llm.made_up")
    assert not sc.is_known_key("tool_name")
