"""``SpanHandle``: the object every span helper returns (sync + async context manager).

Hot-path rules: ``__slots__``; attributes known at start go to ``start_span`` (one
validation pass); later ones are collected in a dict and written once at exit; content is
only formatted when it is captured and the span is recording; nothing slow (scrubbing,
token counting, pricing) runs here — that is the export thread's job.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from typing_extensions import Self

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import messages as msg
from mcp_llm_trace._internal import tool_scope
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.fastattrs import write_attributes
from mcp_llm_trace._internal.runtime import Runtime
from mcp_llm_trace._internal.span_metrics import record_span_metrics

F = TypeVar("F", bound=Callable[..., Any])

#: The categories of content a handle may capture (CaptureConfig field names).
INPUT_CATEGORY = {
    "llm": "prompts",
    "tool": "tool_io",
    "retriever": "prompts",
    "embedding": "prompts",
    "reranker": "prompts",
    "prompt": "prompts",
    "generic": "tool_io",
}
OUTPUT_CATEGORY = {
    "llm": "completions",
    "tool": "tool_io",
    "retriever": "documents",
    "embedding": "completions",
    "reranker": "documents",
    "prompt": "prompts",
    "generic": "tool_io",
}


def coerce(attrs: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """User-supplied attributes → valid OTel values (never raises)."""
    from mcp_llm_trace._internal.attrs import coerce_attributes

    return coerce_attributes(attrs)


class SpanHandle:
    """A span being recorded. Returned by ``llm_span``, ``tool_span`` … and
    ``create_span``; use it as ``with``/``async with``, or as a decorator.

    Methods never raise into your code (internal errors are logged and counted).
    """

    __slots__ = (
        "_attrs",
        "_chunk_parts",
        "_chunks",
        "_decorator_args",
        "_family",
        "_first_chunk_ns",
        "_kind",
        "_metric",
        "_name",
        "_output_set",
        "_pending",
        "_rt",
        "_start_ns",
        "_token",
        "_tool_scope",
        "_tool_token",
        "_usage_set",
        "span",
    )

    def __init__(
        self,
        rt: Runtime,
        name: str,
        attributes: dict[str, AttributeValue],
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        family: str = "generic",
        metric: str | None = None,
    ) -> None:
        self._rt = rt
        self._name = name
        self._attrs = attributes
        self._kind = kind
        self._family = family
        self._metric = metric
        self._pending: dict[str, AttributeValue] = {}
        self._token: object | None = None
        self._start_ns = 0
        self._first_chunk_ns = 0
        self._chunks = 0
        self._chunk_parts: list[str] | None = None
        self._output_set = False
        self._usage_set = False
        self._decorator_args: tuple[Any, ...] | None = None
        self._tool_scope: tool_scope.ToolScope | None = None
        self._tool_token: Any = None
        self.span: trace.Span = trace.INVALID_SPAN

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Self:
        try:
            tracer = self._rt.tracer
            assert tracer is not None
            span = tracer.start_span(self._name, kind=self._kind, attributes=self._attrs)
            # Stamped after start_span (processors run there): time-to-first-chunk and
            # the duration metric then never exceed the span's own duration.
            self._start_ns = time.perf_counter_ns()
            self.span = span
            self._token = otel_context.attach(trace.set_span_in_context(span))
            if self._metric == "mcp_server":
                name = tool_scope.tool_name_of(self._attrs)
                if name is not None:
                    self._tool_scope, self._tool_token = tool_scope.enter(name)
        except Exception as exc:
            report_internal_error("span.start", exc)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        span = self.span
        try:
            if exc is not None:
                self._fail(exc)
            if span.is_recording():
                self._finish()
                if self._pending:
                    write_attributes(span, self._pending)
        except Exception as err:
            report_internal_error("span.end", err)
        finally:
            if self._token is not None:
                try:
                    otel_context.detach(self._token)  # type: ignore[arg-type]
                except Exception as err:
                    report_internal_error("span.detach", err)
                self._token = None
            if self._tool_token is not None:
                tool_scope.leave(self._tool_token)
                self._tool_token = None
            span.end()
        try:
            self._record_metrics(exc)
        except Exception as err:
            report_internal_error("span.metrics", err)

    async def __aenter__(self) -> Self:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def _fail(self, exc: BaseException) -> None:
        span = self.span
        span.record_exception(exc, escaped=True)
        span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        self._pending[sc.ERROR_TYPE] = type(exc).__qualname__

    def _finish(self) -> None:
        """Hook for subclasses: last attributes before the span ends."""
        if self._chunk_parts is not None and not self._output_set:
            self.set_output("".join(self._chunk_parts))
        if self._chunks:
            self._pending[sc.STREAM_CHUNKS] = self._chunks

    def _record_metrics(self, exc: BaseException | None) -> None:
        """Hook for subclasses (duration histograms etc.)."""
        if self._rt.metrics is not None and self._metric is not None:
            record_span_metrics(self, exc)

    # ------------------------------------------------------------------ capture rules
    def _captures(self, output: bool) -> bool:
        cap = self._rt.capture
        if cap is None:
            return True  # no config → an external SDK set-up: behave like OpenInference
        if cap.hide_outputs if output else cap.hide_inputs:
            return False  # OPENINFERENCE_HIDE_INPUTS/OUTPUTS: every span, every category
        table = OUTPUT_CATEGORY if output else INPUT_CATEGORY
        return bool(getattr(cap, table.get(self._family, "tool_io")))

    # ------------------------------------------------------------------ public API
    @property
    def is_recording(self) -> bool:
        """False for no-op and sampled-out spans (skip expensive formatting then)."""
        return self.span.is_recording()

    def set_attribute(self, key: str, value: Any) -> SpanHandle:
        """Set one attribute (coerced to a valid OTel value)."""
        try:
            self._pending.update(coerce({key: value}))
        except Exception as exc:
            report_internal_error("span.set_attribute", exc)
        return self

    def set_attributes(self, attributes: Mapping[str, Any]) -> SpanHandle:
        """Set several attributes (coerced)."""
        try:
            self._pending.update(coerce(attributes))
        except Exception as exc:
            report_internal_error("span.set_attributes", exc)
        return self

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None) -> SpanHandle:
        """Add a timestamped event."""
        try:
            self.span.add_event(name, coerce(attributes) if attributes else None)
        except Exception as exc:
            report_internal_error("span.add_event", exc)
        return self

    def record_exception(self, exc: BaseException, *, set_error: bool = True) -> SpanHandle:
        """Record an exception you handled yourself (status ERROR unless told not to)."""
        try:
            if set_error:
                self._fail(exc)
            else:
                self.span.record_exception(exc)
        except Exception as err:
            report_internal_error("span.record_exception", err)
        return self

    def set_error(self, description: str, *, error_type: str = "error") -> SpanHandle:
        """Mark the operation failed without an exception (e.g. a tool ``isError`` result)."""
        self.span.set_status(Status(StatusCode.ERROR, description))
        self._pending[sc.ERROR_TYPE] = error_type
        return self

    def set_input(self, value: Any) -> SpanHandle:
        """Record the operation's input (``input.value``; JSON for non-strings)."""
        try:
            if not self.span.is_recording():
                return self
            text = msg.to_json(value)
            self._pending[sc.CONTENT_INPUT_LENGTH] = len(text)
            if self._captures(False):
                self._content(text, value, output=False)
        except Exception as exc:
            report_internal_error("span.set_input", exc)
        return self

    def set_output(self, value: Any) -> SpanHandle:
        """Record the operation's output (``output.value``; JSON for non-strings)."""
        try:
            self._output_set = True
            if not self.span.is_recording():
                return self
            text = msg.to_json(value)
            self._pending[sc.CONTENT_OUTPUT_LENGTH] = len(text)
            if self._captures(True):
                self._content(text, value, output=True)
        except Exception as exc:
            report_internal_error("span.set_output", exc)
        return self

    def _content(self, text: str, value: Any, *, output: bool) -> None:
        """Captured input/output: ``input.value``/``output.value``; a tool's also go to
        ``gen_ai.tool.call.arguments``/``result`` (and only there in ``genai`` mode)."""
        p = self._pending
        rt = self._rt
        tool = self._family == "tool"
        if tool and rt.genai:
            p[sc.GEN_AI_TOOL_CALL_RESULT if output else sc.GEN_AI_TOOL_CALL_ARGUMENTS] = text
        if not tool or rt.openinference:
            mime = sc.MIME_TEXT if isinstance(value, str) else sc.MIME_JSON
            if output:
                p[sc.OUTPUT_VALUE] = text
                p[sc.OUTPUT_MIME_TYPE] = mime
            else:
                p[sc.INPUT_VALUE] = text
                p[sc.INPUT_MIME_TYPE] = mime

    def add_chunk(self, chunk: Any) -> SpanHandle:
        """Streaming: the first call stamps time-to-first-chunk; text is assembled as
        the output unless ``set_output`` is called."""
        try:
            if self._chunks == 0:
                self._first_chunk_ns = time.perf_counter_ns()
                ttfc = (self._first_chunk_ns - self._start_ns) / 1e9
                if self._rt.genai:  # the event below carries it in every mode
                    self._pending[sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc
                self.span.add_event(
                    "gen_ai.first_chunk", {sc.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: ttfc}
                )
                self._chunk_parts = []
            self._chunks += 1
            text = chunk if isinstance(chunk, str) else _chunk_text(chunk)
            if text and self._chunk_parts is not None:
                self._chunk_parts.append(text)
        except Exception as exc:
            report_internal_error("span.add_chunk", exc)
        return self

    # ------------------------------------------------------------------ decorator use
    def __call__(self, func: F) -> F:
        """Use the helper as a decorator: a fresh span per call, same arguments."""
        from mcp_llm_trace._internal.decorate import decorate_with_handle

        return decorate_with_handle(self, func)


def _chunk_text(chunk: Any) -> str:
    """Text of a streaming chunk: OpenAI ``choices[0].delta.content``, Anthropic
    ``delta.text``, or ``str`` for plain values. Provider chunks without text (OpenAI's
    final usage-only chunk with empty ``choices``, Anthropic ``message_start``) give ""."""
    choices = getattr(chunk, "choices", None)
    if choices is None and isinstance(chunk, Mapping):
        choices = chunk.get("choices")
    if choices is not None:
        if not choices:
            return ""
        first = choices[0]
        delta = first.get("delta") if isinstance(first, Mapping) else getattr(first, "delta", None)
        if delta is None:
            return ""
        content = (
            delta.get("content") if isinstance(delta, Mapping) else getattr(delta, "content", None)
        )
        return content if isinstance(content, str) else ""
    delta = chunk.get("delta") if isinstance(chunk, Mapping) else getattr(chunk, "delta", None)
    if delta is not None:
        text = delta.get("text") if isinstance(delta, Mapping) else getattr(delta, "text", None)
        return text if isinstance(text, str) else ""
    if chunk is None or isinstance(chunk, Mapping) or hasattr(chunk, "type"):
        return ""  # a provider event that carries no text
    return str(chunk)


class NoopHandle(SpanHandle):
    """What helpers return when telemetry is off: every method does nothing."""

    __slots__ = ()

    def __init__(self) -> None:  # no super().__init__: nothing to hold
        self.span = trace.INVALID_SPAN

    def __enter__(self) -> NoopHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    async def __aenter__(self) -> NoopHandle:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return _noop

    def set_attribute(self, key: str, value: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_attributes(self, attributes: Mapping[str, Any]) -> NoopHandle:
        """No-op."""
        return self

    def add_event(self, name: str, attributes: Mapping[str, Any] | None = None) -> NoopHandle:
        """No-op."""
        return self

    def set_input(self, value: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_output(self, value: Any) -> NoopHandle:
        """No-op."""
        return self

    def add_chunk(self, chunk: Any) -> NoopHandle:
        """No-op."""
        return self

    def record_exception(self, exc: BaseException, *, set_error: bool = True) -> NoopHandle:
        """No-op."""
        return self

    def set_error(self, description: str, *, error_type: str = "error") -> NoopHandle:
        """No-op."""
        return self

    # The kind-specific methods are spelled out too: reaching them through __getattr__
    # costs a failed MRO lookup and an AttributeError per call (~1 µs each).
    def set_usage(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_invocation_parameters(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_response(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_tools(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_documents(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_input_documents(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self

    def set_embeddings(self, *args: Any, **kwargs: Any) -> NoopHandle:
        """No-op."""
        return self


def _noop(*args: Any, **kwargs: Any) -> Any:
    return NOOP


NOOP = NoopHandle()


def deferred_noop(maker: Callable[..., Any], params: Mapping[str, Any]) -> NoopHandle:
    """A no-op handle that remembers the helper call that made it (``params`` are the
    helper's keyword arguments, e.g. its ``locals()``), so ``@mlt.tool_span("x")``
    applied at import time, before ``configure()``, still traces the calls made after
    it. Used as a context manager it is a plain no-op."""
    h = NoopHandle()
    h._decorator_args = (maker, (), {k: v for k, v in params.items() if k != "rt"})
    return h


def signature_binder(func: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Computed once at decoration time: maps a call's args to a name → value dict."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return lambda *a, **k: {"args": list(a), **k}

    @functools.wraps(func)
    def bind(*args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError:
            return {"args": list(args), **kwargs}
        return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}

    return bind


def documents_list(documents: Sequence[Any]) -> list[Any]:
    """A list copy (so later mutation by the caller does not change the span)."""
    return list(documents)
