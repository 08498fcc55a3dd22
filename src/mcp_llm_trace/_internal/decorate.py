"""Decorators: ``trace_operation`` (sync), ``trace_async`` (async, also accepts sync), and
helper handles used as decorators. Signature inspection happens once, at decoration."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from mcp_llm_trace._internal.handle import SpanHandle

F = TypeVar("F", bound=Callable[..., Any])


def _wrap(
    func: F, make: Callable[[tuple[Any, ...], dict[str, Any]], SpanHandle], *, capture_io: bool
) -> F:
    """Wrap ``func`` so every call runs inside ``make(args, kwargs)``; picks the right
    wrapper for coroutine functions, async generators, generators and plain functions."""
    from mcp_llm_trace._internal.handle import signature_binder

    binder = signature_binder(func) if capture_io else None

    def start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> SpanHandle:
        return make(args, kwargs)

    def note_input(h: SpanHandle, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if binder is not None and h.is_recording:
            h.set_input(binder(*args, **kwargs))

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def acall(*args: Any, **kwargs: Any) -> Any:
            async with start(args, kwargs) as h:
                note_input(h, args, kwargs)
                result = await func(*args, **kwargs)
                if capture_io and h.is_recording:
                    h.set_output(result)
                return result

        return cast(F, acall)

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            async with start(args, kwargs) as h:
                note_input(h, args, kwargs)
                async for item in func(*args, **kwargs):
                    h.add_chunk(item)
                    yield item

        return cast(F, agen)

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with start(args, kwargs) as h:
                note_input(h, args, kwargs)
                yield from _chunks(h, func(*args, **kwargs))

        return cast(F, gen)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with start(args, kwargs) as h:
            note_input(h, args, kwargs)
            result = func(*args, **kwargs)
            if capture_io and h.is_recording:
                h.set_output(result)
            return result

    return cast(F, call)


def _chunks(h: SpanHandle, it: Iterator[Any]) -> Iterator[Any]:
    for item in it:
        h.add_chunk(item)
        yield item


def decorate_with_handle(handle: SpanHandle, func: F) -> F:
    """``@mlt.tool_span("x")`` etc.: re-create an equivalent handle per call."""
    factory = getattr(handle, "_decorator_args", None)
    if factory is None:
        raise TypeError("this span helper cannot be used as a decorator")
    maker, margs, mkwargs = factory
    capture = handle._family in ("tool", "generic", "prompt")
    return _wrap(func, lambda a, k: maker(*margs, **mkwargs), capture_io=capture)


def trace_operation(
    name: str | None = None,
    *,
    attributes: Mapping[str, Any] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    capture_io: bool = False,
) -> Callable[[F], F]:
    """Decorator: run every call of a function in a span named ``name`` (default: the
    function's qualified name). Exceptions are recorded (status ERROR) and re-raised.
    Works for sync functions and generators; for coroutines it delegates correctly too.

    Example::

        @mlt.trace_operation("tool.invoke", attributes={"tool.name": "github_search"})
        def invoke(query: str) -> dict: ...
    """
    from mcp_llm_trace.spans import create_span

    def deco(func: F) -> F:
        span_name = name or func.__qualname__
        attrs = dict(attributes or {})
        return _wrap(
            func,
            lambda a, k: create_span(span_name, attributes=attrs, kind=kind),
            capture_io=capture_io,
        )

    return deco


def trace_async(
    name: str | None = None,
    *,
    attributes: Mapping[str, Any] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    capture_io: bool = False,
) -> Callable[[F], F]:
    """Decorator for async code: coroutine functions and async generators (sync
    functions are accepted too and wrapped correctly — it never wraps wrong)."""
    return trace_operation(name, attributes=attributes, kind=kind, capture_io=capture_io)
