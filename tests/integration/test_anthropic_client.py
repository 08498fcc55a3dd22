"""instrument_anthropic with the REAL anthropic client against a local fake server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from tests.support.fake_llm_server import ANTHROPIC_USAGE, TEXT, FakeLLMServer

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.anthropic import instrument_anthropic, uninstrument_anthropic
from mcp_llm_trace.pricing import Usage
from mcp_llm_trace.testing import CapturedSpans, capture_spans

pytestmark = pytest.mark.integration
MODEL = "claude-3-5-sonnet-20241022"
MSGS = [{"role": "user", "content": "Hi"}]
TOOLS = [{"name": "get_weather", "input_schema": {"type": "object"}}]
U = ANTHROPIC_USAGE
#: What the fake server reports, in the OTel convention (input includes the cache).
USAGE = Usage.from_anthropic(
    U["input_tokens"],
    U["output_tokens"],
    cache_read_input_tokens=U["cache_read"],
    cache_creation_input_tokens=U["cache_write"],
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as srv:
        yield srv


@pytest.fixture
def cap() -> Iterator[CapturedSpans]:
    c = capture_spans(capture_content=True)
    yield c
    c.telemetry.shutdown()


def kw(server: FakeLLMServer) -> dict[str, Any]:
    return {"api_key": "test", "base_url": server.base_url, "max_retries": 0}


def attrs(cap: CapturedSpans) -> list[dict[str, Any]]:
    out = [
        {
            k: v
            for k, v in (s.attributes or {}).items()
            if k != sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK
        }
        for s in cap.spans
    ]
    cap.clear()
    return out


def assert_usage(a: dict[str, Any]) -> None:
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == a[sc.LLM_TOKEN_PROMPT] == USAGE.input_tokens
    assert a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == USAGE.output_tokens
    assert a[sc.GEN_AI_USAGE_CACHE_READ] == U["cache_read"]
    assert a[sc.GEN_AI_USAGE_CACHE_WRITE] == U["cache_write"]
    assert a[sc.LLM_TOKEN_TOTAL] == USAGE.total_tokens
    assert a[sc.COST_PRICED] is True


def test_create_equals_hand_instrumentation(cap: CapturedSpans, server: FakeLLMServer) -> None:
    client = instrument_anthropic(anthropic.Anthropic(**kw(server)))
    plain = anthropic.Anthropic(**kw(server))
    got = client.messages.create(model=MODEL, max_tokens=64, system="Be brief.", messages=MSGS)
    (auto,) = attrs(cap)  # only ours: the SDK's own call span is off for this client
    with mlt.llm_span(MODEL, provider="anthropic", stream=False) as s:
        s.set_input([{"role": "system", "content": "Be brief."}, *MSGS])
        s.set_invocation_parameters({"max_tokens": 64})
        m = plain.messages.create(model=MODEL, max_tokens=64, system="Be brief.", messages=MSGS)
        s.set_output(m.content[0].text, finish_reason=m.stop_reason)
        s.set_response(model=m.model, response_id=m.id)
        u = m.usage
        s.set_usage(
            Usage.from_anthropic(
                u.input_tokens,
                u.output_tokens,
                cache_read_input_tokens=u.cache_read_input_tokens or 0,
                cache_creation_input_tokens=u.cache_creation_input_tokens or 0,
            )
        )
    hand = next(a for a in attrs(cap) if a.get(sc.GEN_AI_INPUT_MESSAGES))  # not the SDK span
    assert auto == hand
    assert got.model_dump() == m.model_dump()
    assert_usage(auto)


def test_stream_tool_use_and_tool_result_input(cap: CapturedSpans, server: FakeLLMServer) -> None:
    client = instrument_anthropic(anthropic.Anthropic(**kw(server)))
    history = [
        *MSGS,
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "toolu_0",
                    "name": "get_weather",
                    "input": {"city": "Rome"},
                }
            ],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_0", "content": "sunny"}],
        },
    ]
    stream = client.messages.create(
        model=MODEL, max_tokens=64, messages=history, tools=TOOLS, stream=True
    )
    assert type(stream) is anthropic.Stream
    events = list(stream)
    (a,) = attrs(cap)
    assert a[sc.STREAM_CHUNKS] == len(events)
    assert_usage(a)
    out = json.loads(a[sc.GEN_AI_OUTPUT_MESSAGES])[0]
    assert out["finish_reason"] == "tool_use"
    assert [p["type"] for p in out["parts"]] == ["text", "tool_call"]
    assert out["parts"][1]["arguments"] == {"city": "Paris"}
    assert (
        a[sc.input_message_key(1, "tool_calls") + f".0.{sc.TOOL_CALL_FUNCTION_NAME}"]
        == "get_weather"
    )
    assert a[sc.input_message_key(2, "role")] == "tool"
    assert a[sc.input_message_key(2, "content")] == "sunny"


def test_messages_stream_helper_sync_and_async(cap: CapturedSpans, server: FakeLLMServer) -> None:
    client = instrument_anthropic(anthropic.Anthropic(**kw(server)))
    with client.messages.stream(model=MODEL, max_tokens=64, messages=MSGS) as s:
        assert isinstance(s, anthropic.MessageStream)
        assert "".join(s.text_stream) == TEXT
        final = s.get_final_message()
    assert final.usage.cache_read_input_tokens == U["cache_read"]

    async def run() -> str:
        aclient = instrument_anthropic(anthropic.AsyncAnthropic(**kw(server)))
        async with aclient.messages.stream(model=MODEL, max_tokens=64, messages=MSGS) as st:
            return "".join([t async for t in st.text_stream])

    assert asyncio.run(run()) == TEXT
    spans = attrs(cap)
    assert len(spans) == 2
    for a in spans:
        assert a[sc.OUTPUT_VALUE] == TEXT
        assert a[sc.GEN_AI_REQUEST_STREAM] is True
        assert_usage(a)


def test_async_create_and_errors(cap: CapturedSpans, server: FakeLLMServer) -> None:
    async def run() -> None:
        aclient = instrument_anthropic(anthropic.AsyncAnthropic(**kw(server)))
        m = await aclient.messages.create(model=MODEL, max_tokens=64, messages=MSGS)
        assert m.content[0].type == "text"
        with pytest.raises(anthropic.RateLimitError):
            await aclient.messages.create(model="error-429", max_tokens=64, messages=MSGS)

    asyncio.run(run())
    client = instrument_anthropic(anthropic.Anthropic(**kw(server)))
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model="error-400", max_tokens=64, messages=MSGS)
    ok, rate, bad = cap.spans
    assert_usage(dict(ok.attributes or {}))
    for span, status, cls in ((rate, 429, "RateLimitError"), (bad, 400, "BadRequestError")):
        a = dict(span.attributes or {})
        assert a[sc.ERROR_TYPE] == cls and a[sc.HTTP_RESPONSE_STATUS_CODE] == status
        assert span.status.status_code.name == "ERROR"


def test_undo_restores_sdk_spans(cap: CapturedSpans, server: FakeLLMServer) -> None:
    client = instrument_anthropic(anthropic.Anthropic(**kw(server)))
    client.messages.create(model=MODEL, max_tokens=64, messages=MSGS)
    assert [s.instrumentation_scope.name for s in cap.spans] == ["mcp_llm_trace"]  # type: ignore[union-attr]
    cap.clear()
    uninstrument_anthropic(client)
    client.messages.create(model=MODEL, max_tokens=64, messages=MSGS)
    (span,) = cap.spans
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "com.anthropic.sdk.python"
    assert "create" not in vars(client.messages)
