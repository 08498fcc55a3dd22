"""``instrument_openai(client)``: trace one ``openai`` client object (sync or async).

Wraps, on that client only: ``chat.completions.create``, ``responses.create`` and
``embeddings.create`` — streaming included. Each call becomes an ``llm_span`` (or
``embedding_span``) with exactly the attributes hand instrumentation writes: messages,
invocation parameters, tools offered, output message(s) with tool calls, finish reason,
response model/id, and the provider-reported usage (cached input and reasoning output
tokens included; OpenAI already counts them the OTel way). A stream is returned as the
client's own ``Stream``/``AsyncStream`` object; its span ends when the stream does, with
usage from the final chunk (``stream_options={"include_usage": True}``) or, without
it, counted from the text in the export thread (marked estimated). An API error is
recorded (``error.type`` = the exception class, ``http.response.status_code``) and
re-raised unchanged. Results are the same objects the unwrapped client returns.

Example::

    import openai, mcp_llm_trace as mlt
    from mcp_llm_trace.integrations.openai import instrument_openai

    mlt.configure()
    client = instrument_openai(openai.OpenAI())
    client.chat.completions.create(model="gpt-4o-mini", messages=[...])

Not wrapped: ``with_options()``/``with_raw_response`` copies, the ``.parse``/``.stream``
helpers and other endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mcp_llm_trace import spans
from mcp_llm_trace.integrations import _llm_wrap as w
from mcp_llm_trace.integrations._openai_results import (
    ChatStream,
    ResponsesStream,
    record_chat,
    record_response,
    responses_input,
)

__all__ = ["instrument_openai", "uninstrument_openai"]

C = TypeVar("C")
Begin = Callable[[dict[str, Any], str], tuple[w.CallSpan, Callable[[Any], Any]]]
_NOT_PARAMS = frozenset(
    {"messages", "model", "tools", "input", "instructions", "timeout"}
    | {"extra_headers", "extra_query", "extra_body"}
)


def instrument_openai(client: C) -> C:
    """Trace calls made with ``client`` (``openai.OpenAI``/``AsyncOpenAI``/Azure); returns
    the same client. Idempotent; undo with :func:`uninstrument_openai`."""
    provider = "azure" if "Azure" in type(client).__name__ else "openai"
    for path, begin in _TARGETS:
        resource = _resource(client, path)
        if resource is not None and hasattr(resource, "create"):
            w.patch_method(resource, "create", _maker(begin, provider))
    return client


def uninstrument_openai(client: C) -> C:
    """Remove what :func:`instrument_openai` added to ``client``."""
    for path, _ in _TARGETS:
        resource = _resource(client, path)
        if resource is not None:
            w.unpatch_method(resource, "create")
    return client


def _resource(client: Any, path: str) -> Any:
    obj = client
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _maker(begin: Begin, provider: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        if w.is_async(original):

            async def acreate(**kwargs: Any) -> Any:
                span, on_result = begin(kwargs, provider)
                return await w.call_async(span, original, kwargs, on_result)

            return acreate

        def create(**kwargs: Any) -> Any:
            span, on_result = begin(kwargs, provider)
            return w.call_sync(span, original, kwargs, on_result)

        return create

    return make


def _request(h: Any, kwargs: dict[str, Any], messages: Any) -> None:
    """What ``llm_span`` users record before the call: input, parameters, tools."""
    h.set_input(messages)
    params = {k: v for k, v in kwargs.items() if k not in _NOT_PARAMS and w.is_given(v)}
    if params:
        h.set_invocation_parameters(params)
    tools = kwargs.get("tools")
    if w.is_given(tools) and tools:
        h.set_tools(list(tools))


def _begin_chat(kwargs: dict[str, Any], provider: str) -> tuple[w.CallSpan, Callable[[Any], Any]]:
    stream = kwargs.get("stream") is True
    span = w.CallSpan(spans.llm_span(str(kwargs.get("model")), provider=provider, stream=stream))
    span.on_start = lambda: _request(span.handle, kwargs, kwargs.get("messages"))

    def on_result(result: Any) -> Any:
        if stream:
            acc = ChatStream(span.handle)
            span.on_item, span.on_end = acc.add, acc.finish
            return span.wrap_stream(result)
        record_chat(span.handle, result)
        return None

    return span, on_result


def _begin_responses(
    kwargs: dict[str, Any], provider: str
) -> tuple[w.CallSpan, Callable[[Any], Any]]:
    stream = kwargs.get("stream") is True
    span = w.CallSpan(spans.llm_span(str(kwargs.get("model")), provider=provider, stream=stream))
    span.on_start = lambda: _request(
        span.handle, kwargs, responses_input(kwargs.get("input"), kwargs.get("instructions"))
    )

    def on_result(result: Any) -> Any:
        if stream:
            acc = ResponsesStream(span.handle)
            span.on_item, span.on_end = acc.add, acc.finish
            return span.wrap_stream(result)
        record_response(span.handle, result)
        return None

    return span, on_result


def _begin_embeddings(
    kwargs: dict[str, Any], provider: str
) -> tuple[w.CallSpan, Callable[[Any], Any]]:
    raw = kwargs.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not (isinstance(texts, list) and all(isinstance(t, str) for t in texts)):
        texts = None  # token arrays: no text to record
    span = w.CallSpan(
        spans.embedding_span(str(kwargs.get("model")), texts=texts, provider=provider)
    )

    def on_result(result: Any) -> Any:
        h: Any = span.handle
        data = getattr(result, "data", None) or []
        vectors = [d.embedding for d in data if isinstance(getattr(d, "embedding", None), list)]
        if vectors:
            h.set_embeddings(vectors)
        tokens = getattr(getattr(result, "usage", None), "prompt_tokens", None)
        if tokens is not None:
            h.set_usage(input_tokens=int(tokens))
        return None

    return span, on_result


_TARGETS: tuple[tuple[str, Begin], ...] = (
    ("chat.completions", _begin_chat),
    ("responses", _begin_responses),
    ("embeddings", _begin_embeddings),
)
