"""Foreign LLM/embedding spans (OpenLLMetry, OTel GenAI, OpenInference) through the real
export pipeline: counterpart keys, token totals, cost, scrubbing, attribution."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from tests.support.foreign_spans import ALL, CARD, EMAIL, PROMPT, ForeignSpan, strings_of

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.interop import counterpart_attributes
from mcp_llm_trace.pricing import Usage, compute_cost
from mcp_llm_trace.testing import CapturedSpans, capture_spans


@pytest.fixture
def cap() -> Iterator[CapturedSpans]:
    c = capture_spans(capture_content=True, sanitize_pii=True)
    yield c
    c.telemetry.shutdown()


def emitted(cap: CapturedSpans, fs: ForeignSpan) -> Mapping[str, Any]:
    cap.clear()
    fs.emit(cap.telemetry.tracer_provider.get_tracer(fs.library))
    (span,) = cap.spans
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == fs.library
    assert EMAIL not in " ".join(strings_of(span)) and CARD not in " ".join(strings_of(span))
    return dict(span.attributes or {})


def expected_cost(fs: ForeignSpan) -> Any:
    usage = Usage(fs.input_tokens, fs.output_tokens, cache_read_tokens=fs.cache_read_tokens)
    return compute_cost(fs.model, fs.provider, usage)


@pytest.mark.parametrize("fmt", sorted(ALL))
def test_foreign_span_is_priced_counted_completed_and_scrubbed(
    cap: CapturedSpans, fmt: str
) -> None:
    fs = ALL[fmt]
    a = emitted(cap, fs)
    # Token totals in both conventions.
    assert a[sc.LLM_TOKEN_PROMPT] == a[sc.GEN_AI_USAGE_INPUT_TOKENS] == fs.input_tokens
    assert a[sc.LLM_TOKEN_COMPLETION] == fs.output_tokens
    assert a[sc.LLM_TOKEN_TOTAL] == fs.input_tokens + fs.output_tokens
    if fs.cache_read_tokens:
        assert a[sc.LLM_TOKEN_CACHE_READ] == a[sc.GEN_AI_USAGE_CACHE_READ] == fs.cache_read_tokens
    assert a[sc.USAGE_SOURCE] == "provider"
    # Cost: the price of the model that answered, at the reported usage.
    cost = expected_cost(fs)
    assert cost.priced
    assert a[sc.COST_TOTAL] == format(cost.total, "f")
    assert a[sc.LLM_COST_TOTAL] == pytest.approx(float(cost.total))
    assert a[sc.COST_PRICED] is True
    # Kind, model and provider in both conventions.
    assert a[sc.SPAN_KIND] == (sc.KIND_EMBEDDING if fs.embedding else sc.KIND_LLM)
    assert a[sc.GEN_AI_OPERATION_NAME] == ("embeddings" if fs.embedding else "chat")
    assert a[sc.LLM_PROVIDER] == a[sc.GEN_AI_PROVIDER_NAME] == fs.provider
    assert fs.model in (a.get(sc.GEN_AI_RESPONSE_MODEL), a.get(sc.GEN_AI_REQUEST_MODEL))
    # Nothing the instrumentation set was overwritten (content keys are scrubbed).
    for key, value in fs.attributes.items():
        if not isinstance(value, str) or key in (sc.OPENLLMETRY_REQUEST_TYPE,):
            assert a[key] == value, key


CHAT_WITH_CONTENT = [k for k, fs in ALL.items() if not fs.embedding and not fs.events]


@pytest.mark.parametrize("fmt", CHAT_WITH_CONTENT)
def test_messages_get_both_conventions(cap: CapturedSpans, fmt: str) -> None:
    a = emitted(cap, ALL[fmt])
    roles = [a[k] for k in sorted(a) if k.startswith("llm.input_messages.") and k.endswith(".role")]
    genai_in = json.loads(a[sc.GEN_AI_INPUT_MESSAGES])
    assert [m["role"] for m in genai_in] == roles
    assert roles[-1] == "user"
    last = len(roles) - 1
    user_text = a[sc.input_message_key(last, "content")]
    # Scrubbed identically in both: same text, placeholders instead of the PII.
    assert genai_in[-1]["parts"][0]["content"] == user_text
    assert user_text != PROMPT and "invoice" in user_text
    out = json.loads(a[sc.GEN_AI_OUTPUT_MESSAGES])
    assert out[0]["role"] == "assistant" == a[sc.output_message_key(0, "role")]
    assert a.get(sc.LLM_FINISH_REASON, "stop") == out[0]["finish_reason"]


def test_openllmetry_tool_calls_are_carried_over(cap: CapturedSpans) -> None:
    a = emitted(cap, ALL["openllmetry_openai_tool_call"])
    base = f"{sc.output_message_key(0, 'tool_calls')}.0."
    assert a[base + sc.TOOL_CALL_FUNCTION_NAME] == "send_invoice"
    assert a[base + sc.TOOL_CALL_ID] == "call_1"
    (part,) = json.loads(a[sc.GEN_AI_OUTPUT_MESSAGES])[0]["parts"]
    assert part["type"] == "tool_call" and part["name"] == "send_invoice"
    assert a[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ["tool_calls"]


def test_openllmetry_embedding_texts_become_openinference_texts(cap: CapturedSpans) -> None:
    a = emitted(cap, ALL["openllmetry_embedding"])
    text = a[f"{sc.EMBEDDING_EMBEDDINGS}.0.{sc.EMBEDDING_TEXT}"]
    assert "invoice" in text and EMAIL not in text
    assert a[sc.EMBEDDING_MODEL_NAME] == "text-embedding-3-small"


def test_genai_events_content_is_scrubbed(cap: CapturedSpans) -> None:
    cap.clear()
    ALL["genai_events"].emit(cap.telemetry.tracer_provider.get_tracer("x"))
    (span,) = cap.spans
    prompt = dict(span.events[0].attributes or {})["gen_ai.prompt"]
    assert "invoice" in prompt and EMAIL not in prompt and CARD not in prompt


def test_openinference_only_mode_adds_no_genai_keys() -> None:
    c = capture_spans(capture_content=True, semconv="openinference")
    try:
        fs = ALL["openllmetry_openai_chat"]
        fs.emit(c.telemetry.tracer_provider.get_tracer(fs.library))
        (span,) = c.spans
        a = dict(span.attributes or {})
        added = set(a) - set(fs.attributes)
        assert not {k for k in added if k.startswith("gen_ai.")}
        assert a[sc.LLM_TOKEN_TOTAL] == 53 == fs.attributes["llm.usage.total_tokens"]
        assert a[sc.LLM_MODEL_NAME] == "gpt-4o-mini-2024-07-18"
        assert sc.LLM_COST_TOTAL in a
    finally:
        c.telemetry.shutdown()


def test_values_present_in_both_conventions_are_kept_even_when_they_differ() -> None:
    attrs = {
        sc.SPAN_KIND: "LLM",
        sc.LLM_MODEL_NAME: "gpt-4o",
        sc.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
        sc.LLM_PROVIDER: "azure",
        sc.GEN_AI_PROVIDER_NAME: "openai",
        sc.input_message_key(0, "role"): "user",
        sc.input_message_key(0, "content"): "a",
        sc.GEN_AI_INPUT_MESSAGES: json.dumps([{"role": "user", "parts": []}]),
    }
    extra = counterpart_attributes(attrs)
    assert not set(extra) & set(attrs)
    assert extra[sc.LLM_SYSTEM] == "openai"  # only what was missing
    assert sc.GEN_AI_OPERATION_NAME in extra


def test_non_model_spans_are_left_alone() -> None:
    assert counterpart_attributes({sc.SPAN_KIND: "TOOL", sc.TOOL_NAME: "x"}) == {}
    assert counterpart_attributes({"http.request.method": "GET"}) == {}
    assert counterpart_attributes({sc.OPENLLMETRY_REQUEST_TYPE: "rerank"}) == {}


@pytest.mark.mcp_llm_trace(capture_content=False)
def test_our_own_spans_are_not_touched(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span(model="gpt-4o", provider="openai") as s:
        s.set_input("hello")
        s.set_usage(input_tokens=3, output_tokens=1)
    a = captured_spans.attributes_of("chat gpt-4o")
    assert sc.GEN_AI_INPUT_MESSAGES not in a  # capture off: roles only, no JSON invented
    assert a[sc.input_message_key(0, "role")] == "user"


def test_using_attributes_reach_foreign_spans(cap: CapturedSpans) -> None:
    fs = ALL["genai_chat"]
    with mlt.using_attributes(user_id="u-7", tenant_id="acme", session_id="s-1"):
        a = emitted(cap, fs)
    assert a[sc.USER_ID] == "u-7"
    assert a[sc.TENANT_ID] == "acme"
    assert a[sc.SESSION_ID] == "s-1"
