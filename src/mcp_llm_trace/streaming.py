"""``trace_stream``: record a sync or async stream of chunks on an LLM span.

Example::

    with mlt.llm_span(model="gpt-4o", provider="openai") as span:
        for chunk in mlt.trace_stream(span, client.chat.completions.create(..., stream=True)):
            ...
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, TypeVar, overload

from mcp_llm_trace._internal.handle import SpanHandle

T = TypeVar("T")


@overload
def trace_stream(span: SpanHandle, stream: AsyncIterable[T]) -> AsyncIterator[T]: ...
@overload
def trace_stream(span: SpanHandle, stream: Iterable[T]) -> Iterator[T]: ...


def trace_stream(span: SpanHandle, stream: Any) -> Any:
    """Yield the items of ``stream`` unchanged, calling ``span.add_chunk`` for each
    (time-to-first-chunk, chunk count, assembled output). Picks up provider usage from
    a final chunk that carries ``usage`` (OpenAI ``stream_options.include_usage``)."""
    if hasattr(stream, "__aiter__"):
        return _async(span, stream)
    return _sync(span, stream)


def _usage_of(chunk: Any) -> Any:
    usage = getattr(chunk, "usage", None)
    if usage is None and isinstance(chunk, dict):
        usage = chunk.get("usage")
    return usage


def _note(span: SpanHandle, chunk: Any) -> None:
    span.add_chunk(chunk)
    usage = _usage_of(chunk)
    set_usage = getattr(span, "set_usage", None)
    if usage is not None and callable(set_usage):

        def get(key: str) -> Any:
            return usage.get(key) if isinstance(usage, dict) else getattr(usage, key, None)

        inp = _first(get("prompt_tokens"), get("input_tokens"))
        out = _first(get("completion_tokens"), get("output_tokens"))
        if inp is not None or out is not None:
            set_usage(input_tokens=inp, output_tokens=out)


def _first(*values: Any) -> Any:
    # Not ``a or b``: a provider may legitimately report 0 tokens.
    return next((v for v in values if v is not None), None)


def _sync(span: SpanHandle, stream: Iterable[Any]) -> Iterator[Any]:
    for chunk in stream:
        _note(span, chunk)
        yield chunk


async def _async(span: SpanHandle, stream: AsyncIterable[Any]) -> AsyncIterator[Any]:
    async for chunk in stream:
        _note(span, chunk)
        yield chunk
