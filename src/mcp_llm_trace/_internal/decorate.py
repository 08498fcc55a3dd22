"""Decorators: ``trace_operation`` (sync), ``trace_async`` (async, also accepts sync), and
helper handles used as decorators. Signature inspection happens once, at decoration."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from mcp_llm_trace._internal.handle import SpanHandle

F = TypeVar("F", bound=Callable[..., Any])


#: Handle families whose decorated calls record arguments/return value by default.
_IO_FAMILIES = ("tool", "generic", "prompt")


def _wrap(
    func: F,
    make: Callable[[tuple[Any, ...], dict[str, Any]], SpanHandle],
    *,
    capture_io: bool | None,
) -> F:
    """Wrap ``func`` so every call runs inside ``make(args, kwargs)``; picks the right
    wrapper for coroutine functions, async generators, generators and plain functions.

    ``capture_io=None`` decides per call from the handle's family (helpers used as
    decorators), because the handle may not exist yet at decoration time.
    """
    from mcp_llm_trace._internal.handle import signature_binder

    binder = signature_binder(func) if capture_io is not False else None

    def start(args: tuple[Any, ...], kwargs: dict[str, Any]) -> SpanHandle:
        return make(args, kwargs)

    def wants_io(h: SpanHandle) -> bool:
        if not h.is_recording:
            return False
        return bool(capture_io) or (capture_io is None and h._family in _IO_FAMILIES)

    def note_input(h: SpanHandle, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if binder is not None and wants_io(h):
            h.set_input(binder(*args, **kwargs))

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def acall(*args: Any, **kwargs: Any) -> Any:
            async with start(args, kwargs) as h:
                note_input(h, args, kwargs)
                result = await func(*args, **kwargs)
                if wants_io(h):
                    h.set_output(result)
                return result

        return cast(F, acall)

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def agen(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            h = _open(start(args, kwargs))
            try:
                with _attached(h):
                    note_input(h, args, kwargs)
                    it = func(*args, **kwargs)
                while True:
                    with _attached(h):
                        try:
                            item = await it.__anext__()
                        except StopAsyncIteration:
                            break
                    h.add_chunk(item)
                    yield item
            except GeneratorExit:
                # The consumer stopped early (break/aclose): not a failure.
                with _attached(h):
                    await it.aclose()
                h.__exit__(None, None, None)
                raise
            except BaseException as exc:
                h.__exit__(type(exc), exc, exc.__traceback__)
                raise
            h.__exit__(None, None, None)

        return cast(F, agen)

    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def gen(*args: Any, **kwargs: Any) -> Iterator[Any]:
            h = _open(start(args, kwargs))
            try:
                with _attached(h):
                    note_input(h, args, kwargs)
                    it = func(*args, **kwargs)
                while True:
                    with _attached(h):
                        try:
                            item = next(it)
                        except StopIteration as stop:
                            result = stop.value
                            break
                    h.add_chunk(item)
                    yield item
            except GeneratorExit:
                # The consumer stopped early (break/close): not a failure.
                with _attached(h):
                    it.close()
                h.__exit__(None, None, None)
                raise
            except BaseException as exc:
                h.__exit__(type(exc), exc, exc.__traceback__)
                raise
            h.__exit__(None, None, None)
            return result  # type: ignore[no-any-return]

        return cast(F, gen)

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with start(args, kwargs) as h:
            note_input(h, args, kwargs)
            result = func(*args, **kwargs)
            if wants_io(h):
                h.set_output(result)
            return result

    return cast(F, call)


def _open(h: SpanHandle) -> SpanHandle:
    """Start ``h``'s span without leaving it current: a generator's span must be the
    parent of what runs *inside* the generator, never of what the consumer does
    between two items (the consumer's context would otherwise leak)."""
    from opentelemetry import context as otel_context

    from mcp_llm_trace._internal.handle import NoopHandle

    h.__enter__()
    if not isinstance(h, NoopHandle) and h._token is not None:
        otel_context.detach(h._token)  # type: ignore[arg-type]
        h._token = None
    return h


@contextmanager
def _attached(h: SpanHandle) -> Iterator[None]:
    """Make ``h``'s span current for one step of a generator."""
    from opentelemetry import context as otel_context
    from opentelemetry import trace

    from mcp_llm_trace._internal.handle import NoopHandle

    if isinstance(h, NoopHandle):
        yield
        return
    token = otel_context.attach(trace.set_span_in_context(h.span))
    try:
        yield
    finally:
        otel_context.detach(token)


def decorate_with_handle(handle: SpanHandle, func: F) -> F:
    """``@mlt.tool_span("x")`` etc.: re-create an equivalent handle per call (so a
    decorator applied before ``configure()`` traces the calls made after it)."""
    factory = getattr(handle, "_decorator_args", None)
    if not isinstance(factory, tuple):
        raise TypeError("this span helper cannot be used as a decorator")
    maker, margs, mkwargs = factory
    return _wrap(func, lambda a, k: maker(*margs, **mkwargs), capture_io=None)


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
