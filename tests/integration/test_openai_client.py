"""instrument_openai with the REAL openai client against a local fake server: the spans
equal hand instrumentation with llm_span; sync, async, streaming, errors, undo."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from tests.support.fake_llm_server import EMBED_TOKENS, OPENAI_USAGE, TEXT, VECTOR, FakeLLMServer

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.openai import instrument_openai, uninstrument_openai
from mcp_llm_trace.testing import CapturedSpans, capture_spans

pytestmark = pytest.mark.integration
MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
#: Differ between any two runs of the same call.
VOLATILE = {sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def cap() -> Iterator[CapturedSpans]:
    c = capture_spans(capture_content=True)
    yield c
    c.telemetry.shutdown()


def clients(server: FakeLLMServer) -> tuple[openai.OpenAI, openai.OpenAI]:
    """(wrapped, plain) clients on the fake server."""
    kw: dict[str, Any] = {"api_key": "test", "base_url": server.openai_base_url, "max_retries": 0}
    return instrument_openai(openai.OpenAI(**kw)), openai.OpenAI(**kw)


def attrs(cap: CapturedSpans) -> list[dict[str, Any]]:
    out = [{k: v for k, v in (s.attributes or {}).items() if k not in VOLATILE} for s in cap.spans]
    cap.clear()
    return out


def hand_usage(span: Any, u: Any) -> None:
    span.set_usage(
        input_tokens=u.prompt_tokens,
        output_tokens=u.completion_tokens,
        cache_read_tokens=u.prompt_tokens_details.cached_tokens,
        reasoning_tokens=u.completion_tokens_details.reasoning_tokens,
        total_tokens=u.total_tokens,
    )


def test_chat_equals_hand_instrumentation(cap: CapturedSpans, server: FakeLLMServer) -> None:
    wrapped, plain = clients(server)
    got = wrapped.chat.completions.create(model="gpt-4o-mini", messages=MSGS, temperature=0.2)
    (auto,) = attrs(cap)
    with mlt.llm_span("gpt-4o-mini", provider="openai", stream=False) as s:
        s.set_input(MSGS)
        s.set_invocation_parameters({"temperature": 0.2})
        r = plain.chat.completions.create(model="gpt-4o-mini", messages=MSGS, temperature=0.2)
        s.set_output([r.choices[0].message], finish_reason=r.choices[0].finish_reason)
        s.set_response(model=r.model, response_id=r.id)
        hand_usage(s, r.usage)
    (hand,) = attrs(cap)
    assert auto == hand
    assert type(got) is type(r) and got.model_dump() == r.model_dump()
    assert auto[sc.LLM_TOKEN_CACHE_READ] == OPENAI_USAGE["cached"]
    assert auto[sc.GEN_AI_USAGE_REASONING] == OPENAI_USAGE["reasoning"]
    assert auto[sc.COST_PRICED] is True


def test_stream_with_tool_call_equals_hand_instrumentation(
    cap: CapturedSpans, server: FakeLLMServer
) -> None:
    wrapped, plain = clients(server)
    kw: dict[str, Any] = {
        "model": "gpt-4o-mini",
        "messages": MSGS,
        "tools": TOOLS,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    stream = wrapped.chat.completions.create(**kw)
    assert type(stream) is openai.Stream
    got = [c.model_dump() for c in stream]
    (auto,) = attrs(cap)
    with mlt.llm_span("gpt-4o-mini", provider="openai", stream=True) as s:
        s.set_input(MSGS)
        s.set_invocation_parameters({"stream": True, "stream_options": {"include_usage": True}})
        s.set_tools(TOOLS)
        chunks = list(plain.chat.completions.create(**kw))
        args, call = "", None
        for c in chunks:
            s.add_chunk(c)
            for tc in (c.choices[0].delta.tool_calls or []) if c.choices else []:
                call = call or tc
                args += tc.function.arguments or ""
        assert call is not None and call.function is not None
        message = {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": call.id, "name": call.function.name, "arguments": args}],
        }
        s.set_output([message], finish_reason="tool_calls")
        s.set_response(model=chunks[0].model, response_id=chunks[0].id)
        hand_usage(s, chunks[-1].usage)
    (hand,) = attrs(cap)
    assert auto == hand
    assert got == [c.model_dump() for c in chunks]
    assert auto[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_calls",)
    assert auto[f"{sc.output_message_key(0, 'tool_calls')}.0.{sc.TOOL_CALL_FUNCTION_NAME}"] == (
        "get_weather"
    )


def test_stream_without_usage_is_counted_and_early_break_ends_span(
    cap: CapturedSpans, server: FakeLLMServer
) -> None:
    wrapped, _ = clients(server)
    text = "".join(
        c.choices[0].delta.content or ""
        for c in wrapped.chat.completions.create(model="gpt-4o", messages=MSGS, stream=True)
    )
    assert text == TEXT
    (a,) = attrs(cap)
    assert a[sc.OUTPUT_VALUE] == TEXT
    assert a[sc.TOKENS_ESTIMATED] is True and a[sc.USAGE_SOURCE] == "counted"
    with wrapped.chat.completions.create(model="gpt-4o", messages=MSGS, stream=True) as stream:
        for _ in stream:
            break
    (a,) = attrs(cap)
    assert a[sc.STREAM_CHUNKS] == 1 and a[sc.GEN_AI_REQUEST_STREAM] is True


def test_api_error_is_recorded_like_hand_instrumentation(
    cap: CapturedSpans, server: FakeLLMServer
) -> None:
    wrapped, plain = clients(server)
    with pytest.raises(openai.RateLimitError) as auto_exc:
        wrapped.chat.completions.create(model="error-429", messages=MSGS)
    (span,) = cap.spans
    cap.clear()

    def by_hand() -> None:
        with mlt.llm_span("error-429", provider="openai", stream=False) as s:
            s.set_input(MSGS)
            try:
                plain.chat.completions.create(model="error-429", messages=MSGS)
            except openai.APIStatusError as exc:
                s.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, exc.status_code)
                raise

    with pytest.raises(openai.RateLimitError):
        by_hand()
    (hand,) = cap.spans
    assert dict(span.attributes or {}) == dict(hand.attributes or {})
    assert span.status.description == hand.status.description
    a = dict(span.attributes or {})
    assert a[sc.ERROR_TYPE] == "RateLimitError" and a[sc.HTTP_RESPONSE_STATUS_CODE] == 429
    assert auto_exc.value.status_code == 429
    assert span.events[0].name == "exception"


def test_async_client_plain_stream_and_error(cap: CapturedSpans, server: FakeLLMServer) -> None:
    async def run() -> str:
        client = instrument_openai(
            openai.AsyncOpenAI(api_key="test", base_url=server.openai_base_url, max_retries=0)
        )
        r = await client.chat.completions.create(model="gpt-4o", messages=MSGS)
        stream = await client.chat.completions.create(
            model="gpt-4o", messages=MSGS, stream=True, stream_options={"include_usage": True}
        )
        assert type(stream) is openai.AsyncStream
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        with pytest.raises(openai.RateLimitError):
            await client.chat.completions.create(model="error-429", messages=MSGS)
        return str(r.choices[0].message.content) + text

    assert asyncio.run(run()) == TEXT * 2
    plain, streamed, failed = attrs(cap)
    for a in (plain, streamed):
        assert a[sc.OUTPUT_VALUE] == TEXT
        assert (
            a[sc.LLM_TOKEN_TOTAL]
            == OPENAI_USAGE["prompt_tokens"] + OPENAI_USAGE["completion_tokens"]
        )
        assert a[sc.GEN_AI_RESPONSE_MODEL] == "gpt-4o-2024-08-06"
    assert streamed[sc.GEN_AI_REQUEST_STREAM] is True and streamed[sc.STREAM_CHUNKS] >= 4
    assert failed[sc.HTTP_RESPONSE_STATUS_CODE] == 429


def test_responses_api_plain_tools_and_stream(cap: CapturedSpans, server: FakeLLMServer) -> None:
    wrapped, _ = clients(server)
    r = wrapped.responses.create(model="gpt-4o-mini", input="Hi", instructions="Be brief.")
    assert r.output_text == TEXT
    wrapped.responses.create(
        model="gpt-4o-mini",
        input=[{"role": "user", "content": "Weather?"}],
        tools=[{"type": "function", "name": "get_weather", "parameters": {}}],
    )
    events = list(wrapped.responses.create(model="gpt-4o-mini", input="Hi", stream=True))
    assert events[-1].type == "response.completed"
    plain, tools, streamed = attrs(cap)
    assert plain[sc.input_message_key(0, "role")] == "system"
    assert plain[sc.input_message_key(1, "content")] == "Hi"
    assert plain[sc.OUTPUT_VALUE] == streamed[sc.OUTPUT_VALUE] == TEXT
    assert tools[f"{sc.output_message_key(0, 'tool_calls')}.0.{sc.TOOL_CALL_ID}"] == "call_fake1"
    for a in (plain, tools, streamed):
        assert a[sc.LLM_TOKEN_CACHE_READ] == OPENAI_USAGE["cached"]
        assert a[sc.USAGE_SOURCE] == "provider" and a[sc.COST_PRICED] is True
    assert streamed[sc.STREAM_CHUNKS] == len(events)


def test_embeddings(cap: CapturedSpans, server: FakeLLMServer) -> None:
    wrapped, _ = clients(server)
    r = wrapped.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert r.data[0].embedding == VECTOR
    (a,) = attrs(cap)
    assert a[sc.SPAN_KIND] == sc.KIND_EMBEDDING
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == EMBED_TOKENS == a[sc.LLM_TOKEN_TOTAL]
    assert a[sc.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == len(VECTOR)
    assert a[f"{sc.EMBEDDING_EMBEDDINGS}.1.{sc.EMBEDDING_TEXT}"] == "b"
    assert a[sc.COST_PRICED] is True


def test_idempotent_and_undo(cap: CapturedSpans, server: FakeLLMServer) -> None:
    wrapped, _ = clients(server)
    instrument_openai(wrapped)
    wrapped.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    assert len(attrs(cap)) == 1
    uninstrument_openai(wrapped)
    wrapped.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    assert attrs(cap) == []
    assert "create" not in vars(wrapped.chat.completions)


def test_disabled_telemetry_passes_calls_through(server: FakeLLMServer) -> None:
    tel = mlt.configure(force=True, enabled=False)
    try:
        wrapped, _ = clients(server)
        r = wrapped.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
        assert r.choices[0].message.content == TEXT
        assert (
            "".join(
                c.choices[0].delta.content or ""
                for c in wrapped.chat.completions.create(
                    model="gpt-4o-mini", messages=MSGS, stream=True
                )
            )
            == TEXT
        )
    finally:
        tel.shutdown()
