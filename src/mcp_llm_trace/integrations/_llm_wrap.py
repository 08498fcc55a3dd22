"""Shared machinery of the client wrappers (``instrument_openai``/``instrument_anthropic``).

* :func:`patch_method` / :func:`unpatch_method` put a wrapper on ONE resource object
  (``client.chat.completions``) as an instance attribute, so other clients, the class and
  ``with_options()`` copies stay untouched, and undoing it is one ``delattr``.
* :class:`CallSpan` runs one API call inside one of our ``llm_span``/``embedding_span``
  handles — the same attributes as hand instrumentation. For a stream, the span stays
  open until the stream ends (exhausted, closed, failed or garbage-collected); the
  stream object handed back is the client's own (``Stream``/``AsyncStream``), with its
  item iterator replaced by one that observes each item.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from opentelemetry import context as otel_context

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.handle import NoopHandle, SpanHandle

__all__ = ["CallSpan", "is_given", "patch_method", "unpatch_method"]

_MARK = "_mcp_llm_trace_original"


def is_given(value: Any) -> bool:
    """False for the SDKs' "not given" sentinels (``NOT_GIVEN``/``omit``) and None."""
    return value is not None and type(value).__name__ not in ("NotGiven", "Omit")


def patch_method(
    obj: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> bool:
    """Replace ``obj.name`` by ``make(original)`` on this instance; False if already done."""
    current = obj.__dict__.get(name)
    if current is not None and hasattr(current, _MARK):
        return False
    original = getattr(obj, name)
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    setattr(wrapper, _MARK, original)
    setattr(obj, name, wrapper)
    return True


def unpatch_method(obj: Any, name: str) -> bool:
    """Undo :func:`patch_method`; False if ``obj.name`` was not ours."""
    current = obj.__dict__.get(name)
    if current is None or not hasattr(current, _MARK):
        return False
    delattr(obj, name)
    return True


def is_async(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` (a bound SDK method) is a coroutine function."""
    return inspect.iscoroutinefunction(inspect.unwrap(fn)) or inspect.iscoroutinefunction(fn)


class CallSpan:
    """One API call's span: ``start`` → (``finish`` | stream observation) exactly once.

    ``on_item`` (streams) is called with each item; ``on_end`` once before the span ends
    successfully (to write the assembled output). Never raises into the caller's code
    except the SDK's own exceptions, which are recorded and re-raised unchanged.
    """

    __slots__ = ("_done", "handle", "on_end", "on_item", "on_start")

    def __init__(self, handle: SpanHandle) -> None:
        self.handle = handle
        #: Records the request (messages, parameters) once the span has started.
        self.on_start: Callable[[], None] | None = None
        self.on_item: Callable[[Any], None] | None = None
        self.on_end: Callable[[], None] | None = None
        self._done = isinstance(handle, NoopHandle)

    @property
    def active(self) -> bool:
        """False when telemetry is off (the call then runs unwrapped)."""
        return not self._done

    def start(self) -> None:
        """Start the span and make it current (the HTTP call runs inside it)."""
        self.handle.__enter__()
        if self.on_start is not None:
            try:
                self.on_start()
            except Exception as err:
                report_internal_error("integration.request", err)

    def fail(self, exc: BaseException) -> None:
        """End the span with ``exc`` recorded (plus the HTTP status of API errors)."""
        if self._done:
            return
        self._done = True
        status = getattr(exc, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            self.handle.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, status)
        self.handle.__exit__(type(exc), exc, exc.__traceback__)

    def finish(self) -> None:
        """End the span successfully (after ``on_end``)."""
        if self._done:
            return
        self._done = True
        if self.on_end is not None:
            try:
                self.on_end()
            except Exception as err:
                report_internal_error("integration.on_end", err)
        self.handle.__exit__(None, None, None)

    def release_context(self) -> None:
        """The call returned a stream: stop being the current span here (the stream is
        consumed elsewhere, maybe in another task) but keep the span open."""
        token = getattr(self.handle, "_token", None)
        if token is not None:
            otel_context.detach(token)
            self.handle._token = None

    def observe(self, item: Any) -> None:
        """One stream item (errors in our observation never reach the caller)."""
        if self.on_item is None:
            return
        try:
            self.on_item(item)
        except Exception as err:
            report_internal_error("integration.stream_item", err)

    # ------------------------------------------------------------------ streams
    def wrap_stream(self, stream: Any) -> Any:
        """Observe the SDK stream in place (same object returned); the span ends with it."""
        self.release_context()
        inner = stream._iterator
        if hasattr(inner, "__anext__"):
            stream._iterator = self._agen(inner)
            close = stream.close

            async def aclose() -> None:
                self.finish()
                await close()

            stream.close = aclose
        else:
            stream._iterator = self._gen(inner)
            close = stream.close

            def sclose() -> None:
                self.finish()
                close()

            stream.close = sclose
        return stream

    def _gen(self, inner: Iterator[Any]) -> Iterator[Any]:
        try:
            for item in inner:
                self.observe(item)
                yield item
        except BaseException as exc:
            if isinstance(exc, GeneratorExit):
                self.finish()  # the consumer stopped early: what we saw is the output
            else:
                self.fail(exc)
            raise
        self.finish()

    async def _agen(self, inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
        try:
            async for item in inner:
                self.observe(item)
                yield item
        except BaseException as exc:
            if isinstance(exc, GeneratorExit):
                self.finish()
            else:
                self.fail(exc)
            raise
        self.finish()


def call_sync(
    span: CallSpan,
    original: Callable[..., Any],
    kwargs: dict[str, Any],
    on_result: Callable[[Any], Any],
) -> Any:
    """Run ``original(**kwargs)`` inside ``span``; ``on_result`` records the result (or
    wraps the stream) and returns what the caller gets."""
    if not span.active:
        return original(**kwargs)
    span.start()
    try:
        result = original(**kwargs)
    except BaseException as exc:
        span.fail(exc)
        raise
    return _recorded(span, result, on_result)


async def call_async(
    span: CallSpan,
    original: Callable[..., Any],
    kwargs: dict[str, Any],
    on_result: Callable[[Any], Any],
) -> Any:
    """Async :func:`call_sync`."""
    if not span.active:
        return await original(**kwargs)
    span.start()
    try:
        result = await original(**kwargs)
    except BaseException as exc:
        span.fail(exc)
        raise
    return _recorded(span, result, on_result)


def _recorded(span: CallSpan, result: Any, on_result: Callable[[Any], Any]) -> Any:
    try:
        out = on_result(result)
    except Exception as err:
        report_internal_error("integration.result", err)
        span.finish()
        return result
    if out is None:  # not a stream: the call is over
        span.finish()
        return result
    return out
