"""Streaming: add_chunk and trace_stream over sync and async iterators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk
from opentelemetry.trace import StatusCode

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans

pytestmark = pytest.mark.mcp_llm_trace(capture_content=True, sanitize_pii=False)


def _attrs(captured: CapturedSpans, name: str) -> dict[str, Any]:
    return dict(captured.attributes_of(name))


def openai_chunks(parts: list[str], usage: tuple[int, int] | None) -> list[ChatCompletionChunk]:
    """Real OpenAI SDK chunk objects, as ``stream=True`` with include_usage returns."""
    base = {"id": "c1", "created": 0, "model": "gpt-4o", "object": "chat.completion.chunk"}
    out = [
        ChatCompletionChunk.model_validate(
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": p}}]}
        )
        for p in parts
    ]
    if usage is not None:
        out.append(
            ChatCompletionChunk.model_validate(
                {
                    **base,
                    "choices": [],
                    "usage": {
                        "prompt_tokens": usage[0],
                        "completion_tokens": usage[1],
                        "total_tokens": sum(usage),
                    },
                }
            )
        )
    return out


def test_add_chunk_stamps_ttfc_and_assembles_output(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("gpt-4o", provider="openai", stream=True) as span:
        span.set_input("Say hello")
        for part in ("Hel", "lo ", "world"):
            span.add_chunk(part)
    a = _attrs(captured_spans, "chat gpt-4o")
    assert a[sc.OUTPUT_VALUE] == "Hello world"
    assert a[sc.STREAM_CHUNKS] == 3
    assert a[sc.GEN_AI_REQUEST_STREAM] is True
    ttfc = a[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]
    assert isinstance(ttfc, float)
    assert ttfc >= 0
    span_obj = captured_spans.one("chat gpt-4o")
    duration_s = (span_obj.end_time or 0) - (span_obj.start_time or 0)
    assert ttfc <= duration_s / 1e9
    assert [e.name for e in span_obj.events] == ["gen_ai.first_chunk"]


def test_set_output_wins_over_assembled_chunks(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("gpt-4o", provider="openai") as span:
        span.add_chunk("partial")
        span.set_output("final answer", finish_reason="stop")
    a = _attrs(captured_spans, "chat gpt-4o")
    assert a[sc.OUTPUT_VALUE] == "final answer"
    assert a[sc.LLM_FINISH_REASON] == "stop"


def test_trace_stream_sync_openai_chunks_with_usage(captured_spans: CapturedSpans) -> None:
    chunks = openai_chunks(["The ", "answer ", "is 42."], usage=(11, 5))
    with mlt.llm_span("gpt-4o", provider="openai") as span:
        got = list(mlt.trace_stream(span, iter(chunks)))
    assert got == chunks  # items pass through unchanged
    a = _attrs(captured_spans, "chat gpt-4o")
    # The final usage-only chunk (empty choices) adds no text to the output.
    assert a[sc.OUTPUT_VALUE] == "The answer is 42."
    assert a[sc.STREAM_CHUNKS] == len(chunks)
    assert a[sc.LLM_TOKEN_PROMPT] == 11
    assert a[sc.LLM_TOKEN_COMPLETION] == 5
    assert a[sc.LLM_TOKEN_TOTAL] == 16
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == 11
    assert a[sc.USAGE_SOURCE] == "provider"
    assert sc.TOKENS_ESTIMATED not in a


def test_trace_stream_dict_chunks_and_zero_usage(captured_spans: CapturedSpans) -> None:
    chunks: list[dict[str, Any]] = [
        {"choices": [{"delta": {"content": "ok"}}]},
        {"choices": [], "usage": {"prompt_tokens": 0, "completion_tokens": 0}},
    ]
    with mlt.llm_span("gpt-4o", provider="openai") as span:
        for _ in mlt.trace_stream(span, chunks):
            pass
    a = _attrs(captured_spans, "chat gpt-4o")
    assert a[sc.OUTPUT_VALUE] == "ok"
    assert a[sc.GEN_AI_USAGE_INPUT_TOKENS] == 0
    assert a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == 0


async def test_trace_stream_async(captured_spans: CapturedSpans) -> None:
    async def stream() -> AsyncIterator[ChatCompletionChunk]:
        for c in openai_chunks(["a", "b"], usage=(3, 2)):
            await asyncio.sleep(0.001)
            yield c

    async with mlt.llm_span("gpt-4o", provider="openai") as span:
        out = [c async for c in mlt.trace_stream(span, stream())]
    assert len(out) == 3
    a = _attrs(captured_spans, "chat gpt-4o")
    assert a[sc.OUTPUT_VALUE] == "ab"
    assert a[sc.STREAM_CHUNKS] == 3
    assert a[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0.001
    assert a[sc.LLM_TOKEN_TOTAL] == 5


def test_stream_without_usage_is_estimated_in_export(captured_spans: CapturedSpans) -> None:
    def words() -> Iterator[str]:
        yield from ("Paris ", "is ", "the ", "capital.")

    with mlt.llm_span("gpt-4o", provider="openai") as span:
        span.set_input([{"role": "user", "content": "What is the capital of France?"}])
        for _ in mlt.trace_stream(span, words()):
            pass
    a = _attrs(captured_spans, "chat gpt-4o")
    assert a[sc.TOKENS_ESTIMATED] is True
    assert a[sc.LLM_TOKEN_COMPLETION] > 0
    assert a[sc.LLM_TOKEN_TOTAL] == a[sc.LLM_TOKEN_PROMPT] + a[sc.LLM_TOKEN_COMPLETION]


def test_stream_error_midway(captured_spans: CapturedSpans) -> None:
    def broken() -> Iterator[str]:
        yield "one"
        raise ConnectionError("stream reset")

    with pytest.raises(ConnectionError), mlt.llm_span("gpt-4o", provider="openai") as span:
        for _ in mlt.trace_stream(span, broken()):
            pass
    s = captured_spans.one("chat gpt-4o")
    assert s.status.status_code is StatusCode.ERROR
    a = dict(s.attributes or {})
    assert a[sc.ERROR_TYPE] == "ConnectionError"
    assert a[sc.STREAM_CHUNKS] == 1
    assert a[sc.OUTPUT_VALUE] == "one"  # what arrived before the failure


def test_anthropic_style_events() -> None:
    from mcp_llm_trace._internal.handle import _chunk_text

    class Delta:
        def __init__(self, text: str | None) -> None:
            self.text = text

    class Event:
        def __init__(self, type_: str, delta: Any = None) -> None:
            self.type = type_
            if delta is not None:
                self.delta = delta

    assert _chunk_text(Event("message_start")) == ""
    assert _chunk_text(Event("content_block_delta", Delta("hi"))) == "hi"
    assert _chunk_text(Event("message_delta", Delta(None))) == ""
    assert _chunk_text({"type": "content_block_delta", "delta": {"text": "x"}}) == "x"
    assert _chunk_text(42) == "42"


def test_trace_stream_on_disabled_span_passes_through() -> None:
    from mcp_llm_trace._internal.handle import NOOP

    assert list(mlt.trace_stream(NOOP, iter([1, 2]))) == [1, 2]
