"""Enriching the mcp 2.x SDK's own spans (no duplicates).

mcp 2.x opens its spans through ``mcp.shared._otel.otel_span`` (imported by name into
the JSON-RPC dispatcher for CLIENT spans and into the server's OpenTelemetry middleware
for SERVER spans). We replace those two references with :func:`make_otel_span`, which:

* starts the same span (same name, kind, scope ``mcp-python-sdk``) from the *current*
  global provider — the SDK's module-level proxy tracer binds to the first provider it
  sees and would keep sending to a provider that ``configure(force=True)`` replaced;
* adds our attributes at start (tool name, arguments, OpenInference kind …) from the
  :class:`Outbound` the client wrapper put in a context variable;
* at the end adds the result/error attributes, marks ``isError`` results ERROR, and
  records ``mcp.client.operation.duration``;
* inside ``federation_forward`` reuses the ``gateway.forward`` span as the send span, so
  a forwarded call reads gateway.request → gateway.forward → peer's server span.

With telemetry disabled it defers to the SDK's original function (traffic unchanged).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.runtime import Runtime, active
from mcp_llm_trace.integrations.mcp import _attrs

SDK_SCOPE = "mcp-python-sdk"


class Outbound:
    """One request being sent: what the span needs at start and, later, the outcome."""

    __slots__ = ("dispatcher", "method", "outcome", "params", "rt", "session", "span", "start_ns")

    def __init__(
        self,
        rt: Runtime,
        dispatcher: Any,
        method: str,
        params: Mapping[str, Any] | None,
        session: Any = None,
    ) -> None:
        self.rt = rt
        self.dispatcher = dispatcher
        self.method = method
        self.params = params
        self.session = session
        self.outcome: Any = None
        self.span: trace.Span | None = None
        self.start_ns = 0


#: The request the current task is sending (set by the client-side wrappers).
CALL: contextvars.ContextVar[Outbound | None] = contextvars.ContextVar(
    "mcp_llm_trace_mcp_call", default=None
)
#: The SDK SERVER span open in this task (read by the server middleware).
SERVER_SPAN: contextvars.ContextVar[trace.Span | None] = contextvars.ContextVar(
    "mcp_llm_trace_mcp_server_span", default=None
)
#: (id(dispatcher), request id) → call, so the receive loop can hand over the outcome.
PENDING: dict[tuple[int, str], Outbound] = {}

_TRACERS: dict[int, trace.Tracer] = {}


def sdk_tracer() -> trace.Tracer:
    """The ``mcp-python-sdk`` tracer of the provider installed now."""
    provider = trace.get_tracer_provider()
    tracer = _TRACERS.get(id(provider))
    if tracer is None:
        from importlib.metadata import version

        _TRACERS.clear()  # one provider at a time; do not pin old ones
        tracer = provider.get_tracer(SDK_SCOPE, version("mcp"))
        _TRACERS[id(provider)] = tracer
    return tracer


def unused_forward_span() -> trace.Span | None:
    """The current ``gateway.forward`` span if no request was sent from it yet."""
    span = trace.get_current_span()
    attrs = getattr(span, "attributes", None)
    if not attrs or sc.FEDERATION_PEER not in attrs or sc.JSONRPC_REQUEST_ID in attrs:
        return None
    return span if span.is_recording() else None


def make_otel_span(original: Callable[..., Any]) -> Callable[..., Any]:
    """The replacement for ``otel_span`` (same signature)."""

    @contextmanager
    def otel_span(
        name: str,
        *,
        kind: SpanKind,
        attributes: dict[str, Any] | None = None,
        context: Any = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Iterator[trace.Span]:
        rt = active()
        if rt.tracer is None:
            with original(
                name,
                kind=kind,
                attributes=attributes,
                context=context,
                record_exception=record_exception,
                set_status_on_exception=set_status_on_exception,
            ) as span:
                yield span
            return
        call = CALL.get() if kind is SpanKind.CLIENT else None
        if call is not None and call.span is not None:
            call = None  # a nested send (not ours to describe)
        attrs = dict(attributes or {})
        if call is not None:
            _start_attrs(call, attrs)
            forward = unused_forward_span()
            if forward is not None:
                with _reuse(forward, call, attrs) as span:
                    yield span
                return
        with sdk_tracer().start_as_current_span(
            name,
            kind=kind,
            attributes=attrs,
            context=context,
            record_exception=record_exception,
            set_status_on_exception=set_status_on_exception,
        ) as span:
            if call is None:
                token = SERVER_SPAN.set(span) if kind is SpanKind.SERVER else None
                try:
                    yield span
                finally:
                    if token is not None:
                        SERVER_SPAN.reset(token)
                return
            with _tracked(call, span, attrs, metric=True):
                yield span

    return otel_span


def _start_attrs(call: Outbound, attrs: dict[str, Any]) -> None:
    try:
        attrs.update(_attrs.request_attributes(call.rt, call.method, call.params))
        version = getattr(call.session, "protocol_version", None)
        if isinstance(version, str):
            attrs[sc.MCP_PROTOCOL_VERSION] = version
    except Exception as exc:
        report_internal_error("mcp.client.start", exc)


@contextmanager
def _reuse(forward: trace.Span, call: Outbound, attrs: dict[str, Any]) -> Iterator[trace.Span]:
    # The gateway.forward handle records its own duration metric; only describe the call.
    forward.set_attributes({k: v for k, v in attrs.items() if k != sc.SPAN_KIND})
    with _tracked(call, forward, attrs, metric=False):
        yield forward


@contextmanager
def _tracked(
    call: Outbound, span: trace.Span, attrs: dict[str, Any], *, metric: bool
) -> Iterator[None]:
    call.span = span
    call.start_ns = time.perf_counter_ns()
    rid = attrs.get(sc.JSONRPC_REQUEST_ID)
    key = (id(call.dispatcher), str(rid)) if rid is not None else None
    if key is not None:
        PENDING[key] = call
    error: BaseException | None = None
    try:
        yield
    except TimeoutError as exc:
        error = exc
        span.set_attributes(_attrs.error_attributes(_attrs.REQUEST_TIMEOUT, "Request timed out"))
        raise
    except BaseException as exc:
        error = exc
        raise
    finally:
        if key is not None:
            PENDING.pop(key, None)
        try:
            finish_call(call, span, error, metric=metric)
        except Exception as exc:
            report_internal_error("mcp.client.end", exc)


def finish_call(
    call: Outbound, span: trace.Span, error: BaseException | None, *, metric: bool
) -> None:
    """Describe the outcome on the (still open) send span and record the duration."""
    rt = call.rt
    outcome = call.outcome
    end: dict[str, Any] = {}
    if isinstance(outcome, Mapping):
        end.update(_attrs.result_attributes(rt, call.method, outcome))
        if call.method == "tools/call" and _attrs.is_tool_error(outcome):
            end[sc.ERROR_TYPE] = sc.MCP_TOOL_ERROR
            span.set_status(Status(StatusCode.ERROR, _tool_error_text(outcome)))
    elif outcome is not None and hasattr(outcome, "code"):
        end.update(_attrs.error_attributes(int(outcome.code), getattr(outcome, "message", None)))
        span.set_status(Status(StatusCode.ERROR, str(getattr(outcome, "message", ""))))
    elif error is not None and not isinstance(error, TimeoutError):
        code = getattr(getattr(error, "error", None), "code", None)
        if isinstance(code, int):
            end.update(_attrs.error_attributes(code, str(error)))
        else:
            end.setdefault(sc.ERROR_TYPE, type(error).__qualname__)
    if end:
        span.set_attributes(end)
    mc = rt.metrics
    if metric and mc is not None:
        hist = mc.instrument("mcp_client")
        if hist is not None:
            merged = {**(getattr(span, "attributes", None) or {}), **end}
            mc.record(
                hist,
                (time.perf_counter_ns() - call.start_ns) / 1e9,
                _attrs.metric_attributes(merged),
            )


def _tool_error_text(result: Mapping[str, Any]) -> str:
    for item in result.get("content") or ():
        if isinstance(item, Mapping) and isinstance(item.get("text"), str):
            return str(item["text"])[:200]
    return "tool returned isError"
