"""Decorators: trace_operation / trace_async and span helpers used as decorators, on
sync and async functions, generators and async generators."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans, capture_spans

pytestmark = pytest.mark.mcp_llm_trace(sanitize_pii=False)


class Boom(RuntimeError):
    pass


def test_trace_operation_sync_keeps_metadata_and_result(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation("tool.invoke", attributes={"gen_ai.tool.name": "search"})
    def invoke(query: str, limit: int = 3) -> dict[str, object]:
        """Docstring kept."""
        return {"q": query, "n": limit}

    assert invoke.__name__ == "invoke"
    assert invoke.__doc__ == "Docstring kept."
    assert inspect.signature(invoke).parameters.keys() == {"query", "limit"}
    assert invoke("otel") == {"q": "otel", "n": 3}
    span = captured_spans.one("tool.invoke")
    assert span.attributes is not None
    assert span.attributes[sc.GEN_AI_TOOL_NAME] == "search"
    assert span.status.status_code is StatusCode.UNSET


def test_trace_operation_default_name_is_qualname(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation()
    def helper() -> int:
        return 1

    helper()
    assert captured_spans.names() == [helper.__qualname__]


def test_trace_operation_error_recorded_and_reraised(captured_spans: CapturedSpans) -> None:
    err = Boom("upstream 502")

    @mlt.trace_operation("fails")
    def fails() -> None:
        raise err

    with pytest.raises(Boom) as info:
        fails()
    assert info.value is err
    span = captured_spans.one("fails")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes[sc.ERROR_TYPE] == "Boom"
    assert [e.name for e in span.events] == ["exception"]


async def test_trace_async_coroutine(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("fetch", capture_io=True)
    async def fetch(url: str) -> str:
        await asyncio.sleep(0)
        return url.upper()

    assert inspect.iscoroutinefunction(fetch)
    assert fetch.__name__ == "fetch"
    assert await fetch("a") == "A"
    attrs = captured_spans.attributes_of("fetch")
    # capture_io=True records arguments/result under the tool_io capture rule; content
    # capture is off here, so only the sizes are there.
    assert attrs[sc.CONTENT_INPUT_LENGTH] > 0
    assert attrs[sc.CONTENT_OUTPUT_LENGTH] == 1
    assert sc.INPUT_VALUE not in attrs


async def test_trace_async_error(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("afails")
    async def afails() -> None:
        raise Boom("x")

    with pytest.raises(Boom):
        await afails()
    span = captured_spans.one("afails")
    assert span.status.status_code is StatusCode.ERROR


def test_trace_async_accepts_sync_function(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("sync-but-async-decorator")
    def plain(x: int) -> int:
        return x + 1

    assert not inspect.iscoroutinefunction(plain)
    assert plain(1) == 2
    assert captured_spans.names() == ["sync-but-async-decorator"]


def test_generator_span_covers_iteration(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation("gen")
    def numbers(n: int) -> Iterator[int]:
        for i in range(n):
            with mlt.create_span(f"inner {i}"):
                pass
            yield i

    assert inspect.isgeneratorfunction(numbers)
    assert list(numbers(3)) == [0, 1, 2]
    gen = captured_spans.one("gen")
    assert gen.attributes is not None
    assert gen.attributes[sc.STREAM_CHUNKS] == 3
    inner = [s for s in captured_spans.spans if s.name.startswith("inner")]
    assert len(inner) == 3
    assert all(s.parent is not None and s.parent.span_id == gen.context.span_id for s in inner)


def test_generator_does_not_leak_context_to_consumer(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation("gen")
    def numbers() -> Iterator[int]:
        yield from range(3)

    with mlt.create_span("outer"):
        for _ in numbers():
            with mlt.create_span("consumer work"):
                pass
    spans = {s.name: s for s in captured_spans.spans}
    consumer = captured_spans.by_name("consumer work")
    assert len(consumer) == 3
    outer_id = spans["outer"].context.span_id
    assert all(s.parent is not None and s.parent.span_id == outer_id for s in consumer)
    assert spans["gen"].parent is not None
    assert spans["gen"].parent.span_id == outer_id


def test_generator_closed_early_is_not_an_error(captured_spans: CapturedSpans) -> None:
    closed = []

    @mlt.trace_operation("gen")
    def numbers() -> Iterator[int]:
        try:
            yield from range(10)
        finally:
            closed.append(True)

    for i in numbers():
        if i == 1:
            break
    assert closed == [True]
    span = captured_spans.one("gen")
    assert span.status.status_code is StatusCode.UNSET
    assert span.attributes is not None
    assert sc.ERROR_TYPE not in span.attributes


def test_generator_error_recorded(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation("gen")
    def numbers() -> Iterator[int]:
        yield 1
        raise Boom("mid-stream")

    with pytest.raises(Boom):
        list(numbers())
    span = captured_spans.one("gen")
    assert span.status.status_code is StatusCode.ERROR


def test_generator_return_value_preserved(captured_spans: CapturedSpans) -> None:
    @mlt.trace_operation("gen")
    def numbers() -> Generator[int, None, str]:
        yield 1
        return "done"

    def delegate() -> Iterator[int]:
        result = yield from numbers()
        assert result == "done"

    assert list(delegate()) == [1]


async def test_async_generator(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("agen")
    async def tokens(n: int) -> AsyncIterator[str]:
        for i in range(n):
            await asyncio.sleep(0)
            with mlt.create_span("inside"):
                pass
            yield f"t{i}"

    assert inspect.isasyncgenfunction(tokens)
    assert tokens.__name__ == "tokens"
    with mlt.create_span("outer"):
        out = []
        async for t in tokens(3):
            with mlt.create_span("consumer"):
                out.append(t)
    assert out == ["t0", "t1", "t2"]
    spans = {s.name: s for s in captured_spans.spans}
    agen = spans["agen"]
    assert agen.attributes is not None
    assert agen.attributes[sc.STREAM_CHUNKS] == 3
    assert all(
        s.parent is not None and s.parent.span_id == agen.context.span_id
        for s in captured_spans.by_name("inside")
    )
    assert all(
        s.parent is not None and s.parent.span_id == spans["outer"].context.span_id
        for s in captured_spans.by_name("consumer")
    )


async def test_async_generator_closed_early(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("agen")
    async def tokens() -> AsyncIterator[int]:
        for i in range(10):
            yield i

    gen = tokens()
    async for i in gen:
        if i == 2:
            break
    await gen.aclose()  # type: ignore[attr-defined]
    span = captured_spans.one("agen")
    assert span.status.status_code is StatusCode.UNSET


async def test_async_generator_error(captured_spans: CapturedSpans) -> None:
    @mlt.trace_async("agen")
    async def tokens() -> AsyncIterator[int]:
        yield 1
        raise Boom("x")

    with pytest.raises(Boom):
        async for _ in tokens():
            pass
    assert captured_spans.one("agen").status.status_code is StatusCode.ERROR


def test_helper_as_decorator_new_span_per_call(captured_spans: CapturedSpans) -> None:
    @mlt.tool_span("github_search", description="Search GitHub")
    def github_search(q: str) -> list[str]:
        return [q]

    github_search("a")
    github_search("b")
    spans = captured_spans.by_name("execute_tool github_search")
    assert len(spans) == 2
    assert spans[0].context.span_id != spans[1].context.span_id
    assert all((s.attributes or {})[sc.TOOL_DESCRIPTION] == "Search GitHub" for s in spans)


@pytest.mark.mcp_llm_trace(capture_tool_io=True, sanitize_pii=False)
async def test_helper_decorator_async_captures_tool_io(captured_spans: CapturedSpans) -> None:
    @mlt.mcp_tool_call("kb_lookup", session_id="s1")
    async def kb_lookup(query: str) -> dict[str, int]:
        return {"hits": 2}

    assert await kb_lookup("otel") == {"hits": 2}
    attrs = captured_spans.attributes_of("tools/call kb_lookup")
    # Re-created per call with every original argument (tool name, session id).
    assert attrs[sc.GEN_AI_TOOL_NAME] == "kb_lookup"
    assert attrs[sc.MCP_SESSION_ID] == "s1"
    assert attrs[sc.INPUT_VALUE] == '{"query":"otel"}'
    assert attrs[sc.OUTPUT_VALUE] == '{"hits":2}'


@pytest.mark.parametrize(
    "make",
    [
        lambda: mlt.batch_span("reindex"),
        lambda: mlt.plugin_span("PIIFilter", order=2),
        lambda: mlt.cache_span("prompt-cache"),
        lambda: mlt.db_span("SELECT", db_system="sqlite", collection="kb", namespace="main"),
        lambda: mlt.federation_forward("gw2", attributes={"x.y": 1}),
        lambda: mlt.mcp_prompt_get("summarize"),
        lambda: mlt.mcp_resource_read("file:///a.txt"),
        lambda: mlt.chain_span("rag"),
        lambda: mlt.guardrail_span("toxicity"),
    ],
)
def test_every_helper_decorates(captured_spans: CapturedSpans, make: Callable[[], Any]) -> None:
    handle = make()

    @handle
    def work() -> int:
        return 7

    # The handle used as a context manager and as a decorator produce the same span.
    with make():
        pass
    captured_spans.clear()
    assert work() == 7
    (span,) = captured_spans.spans
    with make():
        pass
    reference = captured_spans.spans[-1]
    assert span.name == reference.name
    # The decorated call may add its argument/result sizes; everything else is equal.
    sizes = {sc.CONTENT_INPUT_LENGTH, sc.CONTENT_OUTPUT_LENGTH}
    got = {k: v for k, v in (span.attributes or {}).items() if k not in sizes}
    assert got == dict(reference.attributes or {})


def test_decorator_applied_before_configure() -> None:
    """Decorators run at import time, usually before configure(): they must not fail,
    and must trace the calls made once telemetry is on."""
    from mcp_llm_trace._internal import runtime

    saved = runtime.HOLDER.current, runtime.HOLDER.explicit
    runtime.HOLDER.current, runtime.HOLDER.explicit = runtime.Runtime(), True
    try:

        @mlt.tool_span("early_tool")
        def early(x: int) -> int:
            return x * 2

        @mlt.llm_span("gpt-4o", provider="openai")
        async def ask() -> str:
            return "hi"

        with mlt.tool_span("early_tool") as noop:  # plain no-op as a context manager
            assert not noop.is_recording
        assert early(2) == 4  # still works while disabled
    finally:
        runtime.HOLDER.current, runtime.HOLDER.explicit = saved
    cap = capture_spans(sanitize_pii=False)
    try:
        assert early(3) == 6
        assert asyncio.run(ask()) == "hi"
        assert cap.names() == ["execute_tool early_tool", "chat gpt-4o"]
        assert cap.attributes_of("chat gpt-4o")[sc.GEN_AI_PROVIDER_NAME] == "openai"
    finally:
        cap.telemetry.shutdown()


def test_disabled_decorator_passes_through() -> None:
    from mcp_llm_trace._internal import runtime

    saved = runtime.HOLDER.current, runtime.HOLDER.explicit
    runtime.HOLDER.current, runtime.HOLDER.explicit = runtime.Runtime(), True
    try:

        @mlt.trace_operation("x")
        def gen() -> Iterator[int]:
            yield from (1, 2)

        assert list(gen()) == [1, 2]
    finally:
        runtime.HOLDER.current, runtime.HOLDER.explicit = saved
