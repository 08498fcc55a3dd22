"""``instrument_anthropic(client)``: trace one ``anthropic`` client object (sync or async).

Wraps, on that client only, ``messages.create`` (streaming included) and
``messages.stream``. Each call becomes an ``llm_span`` with exactly the attributes hand
instrumentation writes; ``tool_use`` blocks are recorded as tool calls, ``tool_result``
blocks as tool messages; Anthropic's usage (input EXCLUDING cache reads/writes) is
converted to the OTel convention (input includes them) before it is recorded. Streams
are the client's own objects, observed in place; their span ends with the stream. An API
error is recorded (``error.type`` = exception class, ``http.response.status_code``) and
re-raised unchanged.

Recent ``anthropic`` releases emit their own OpenTelemetry span per API call, which is an
LLM span too: with both, every call would be counted and priced twice. So this switches
the SDK's own spans off *for this client* (``keep_sdk_spans=True`` keeps them); undo
restores them. Without ``instrument_anthropic`` those SDK spans are still enriched
(counterpart keys, cost) like any foreign span.

Example::

    import anthropic, mcp_llm_trace as mlt
    from mcp_llm_trace.integrations.anthropic import instrument_anthropic

    mlt.configure()
    client = instrument_anthropic(anthropic.Anthropic())
    client.messages.create(model="claude-sonnet-4-5", max_tokens=256, messages=[...])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from mcp_llm_trace import spans
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace.integrations import _llm_wrap as w
from mcp_llm_trace.integrations._anthropic_results import (
    MessageStreamAccumulator,
    anthropic_messages,
    record_message,
)

__all__ = ["instrument_anthropic", "uninstrument_anthropic"]

C = TypeVar("C")
_NOT_PARAMS = frozenset(
    {
        "messages",
        "model",
        "tools",
        "system",
        "timeout",
        "extra_headers",
        "extra_query",
        "extra_body",
    }
)
_SAVED_OTEL = "_mcp_llm_trace_sdk_otel"


def instrument_anthropic(client: C, *, keep_sdk_spans: bool = False) -> C:
    """Trace calls made with ``client`` (``anthropic.Anthropic``/``AsyncAnthropic``);
    returns the same client. Idempotent; undo with :func:`uninstrument_anthropic`."""
    messages = getattr(client, "messages", None)
    if messages is None:
        return client
    w.patch_method(messages, "create", _make_create)
    if hasattr(messages, "stream"):
        w.patch_method(messages, "stream", _make_stream)
    if not keep_sdk_spans:
        _sdk_spans(client, enabled=False)
    return client


def uninstrument_anthropic(client: C) -> C:
    """Remove what :func:`instrument_anthropic` added (and restore the SDK's spans)."""
    messages = getattr(client, "messages", None)
    if messages is not None:
        w.unpatch_method(messages, "create")
        w.unpatch_method(messages, "stream")
    _sdk_spans(client, enabled=True)
    return client


def _sdk_spans(client: Any, *, enabled: bool) -> None:
    """Switch the SDK's own call spans off for this client (or restore the saved option)."""
    setter = getattr(client, "_set_open_telemetry", None)
    current = getattr(client, "_open_telemetry", None)
    if not callable(setter) or not isinstance(current, dict):
        return  # an SDK without built-in tracing
    try:
        if enabled:
            saved = client.__dict__.pop(_SAVED_OTEL, None)
            if saved is not None:
                setter(saved)
        elif _SAVED_OTEL not in client.__dict__:
            setattr(client, _SAVED_OTEL, dict(current))
            setter({**current, "traces": {**current.get("traces", {}), "enabled": False}})
    except Exception as exc:
        report_internal_error("integration.anthropic.sdk_spans", exc)


def _begin(kwargs: dict[str, Any], stream: bool) -> w.CallSpan:
    h = spans.llm_span(str(kwargs.get("model")), provider="anthropic", stream=stream)
    span = w.CallSpan(h)

    def on_start() -> None:
        h.set_input(anthropic_messages(kwargs.get("system"), kwargs.get("messages")))
        params = {k: v for k, v in kwargs.items() if k not in _NOT_PARAMS and w.is_given(v)}
        if params:
            h.set_invocation_parameters(params)
        tools = kwargs.get("tools")
        if w.is_given(tools) and tools:
            h.set_tools(list(tools))

    span.on_start = on_start
    return span


def _on_result(span: w.CallSpan, stream: bool) -> Callable[[Any], Any]:
    def on_result(result: Any) -> Any:
        if stream:
            acc = MessageStreamAccumulator(span.handle)
            span.on_item, span.on_end = acc.add, acc.finish
            return span.wrap_stream(result)
        record_message(span.handle, result)
        return None

    return on_result


def _make_create(original: Callable[..., Any]) -> Callable[..., Any]:
    if w.is_async(original):

        async def acreate(**kwargs: Any) -> Any:
            stream = kwargs.get("stream") is True
            span = _begin(kwargs, stream)
            return await w.call_async(span, original, kwargs, _on_result(span, stream))

        return acreate

    def create(**kwargs: Any) -> Any:
        stream = kwargs.get("stream") is True
        span = _begin(kwargs, stream)
        return w.call_sync(span, original, kwargs, _on_result(span, stream))

    return create


def _make_stream(original: Callable[..., Any]) -> Callable[..., Any]:
    """``messages.stream(...)`` returns a manager that sends the request on ``__enter__``;
    we wrap that request (the manager and stream objects stay the SDK's own)."""

    def stream(**kwargs: Any) -> Any:
        manager = original(**kwargs)
        for attr in (
            "_MessageStreamManager__api_request",
            "_AsyncMessageStreamManager__api_request",
        ):
            request = manager.__dict__.get(attr)
            if request is not None:
                setattr(manager, attr, _wrap_request(request, kwargs))
        return manager

    return stream


def _wrap_request(request: Any, kwargs: dict[str, Any]) -> Any:
    if callable(request):  # sync manager: a function returning the raw Stream

        def call() -> Any:
            span = _begin(kwargs, True)
            return w.call_sync(span, request, {}, _on_result(span, True))

        return call

    async def awaited() -> Any:  # async manager: an un-awaited request coroutine
        span = _begin(kwargs, True)

        async def send() -> Any:
            return await request

        return await w.call_async(span, send, {}, _on_result(span, True))

    return awaited()
