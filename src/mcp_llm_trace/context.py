"""Attribution and propagation: ``using_attributes``, ``inject_context``, ``extract_context``.

``using_attributes(user_id=..., tenant_id=..., session_id=...)`` puts attribution into a
``contextvars`` variable (async-safe, nests, no leakage between tasks or threads); every
span started inside — ours or a third-party instrumentation's — receives it (the
attribution processor applies it at span start). The allow-listed keys also go into W3C
baggage, so ``inject_context`` carries them to the next service, whose attribution
processor copies them back onto its spans. Arbitrary baggage is never copied.

Example::

    with mlt.using_attributes(user_id="u1", tenant_id="acme", metadata={"plan": "pro"}):
        headers = mlt.inject_context({})   # traceparent, baggage: user.id=u1,tenant.id=acme
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from opentelemetry import baggage, propagate, trace
from opentelemetry import context as otel_context
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import DefaultGetter
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc

__all__ = [
    "current_attributes",
    "current_trace_id",
    "extract_context",
    "inject_context",
    "trace_id_headers",
    "use_context",
    "using_attributes",
]

_ATTRS: contextvars.ContextVar[Mapping[str, AttributeValue] | None] = contextvars.ContextVar(
    "mcp_llm_trace_attributes", default=None
)
_META: contextvars.ContextVar[Mapping[str, Any] | None] = contextvars.ContextVar(
    "mcp_llm_trace_metadata", default=None
)

#: using_attributes keyword → span attribute key
_FIELDS = {
    "user_id": sc.USER_ID,
    "tenant_id": sc.TENANT_ID,
    "session_id": sc.SESSION_ID,
    "conversation_id": sc.GEN_AI_CONVERSATION_ID,
    "prompt_template": sc.LLM_PROMPT_TEMPLATE,
    "prompt_template_version": sc.LLM_PROMPT_TEMPLATE_VERSION,
}
#: Keys that also travel as W3C baggage (subject to the configured allow-list).
_BAGGAGE_FIELDS = (sc.USER_ID, sc.SESSION_ID, sc.TENANT_ID)


def current_attributes() -> Mapping[str, AttributeValue]:
    """The attribution attributes in effect here (empty mapping outside any block)."""
    return _ATTRS.get() or {}


class using_attributes:
    """Attribute every span started inside with user/tenant/session/metadata/tags.

    Works as a sync and an async context manager; nested blocks merge (inner wins,
    ``metadata`` dicts are merged, ``tags`` are appended).
    """

    __slots__ = ("_attrs", "_meta", "_tokens")

    def __init__(
        self,
        *,
        user_id: str | None = None,
        tenant_id: str | None = None,
        session_id: str | None = None,
        conversation_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        prompt_template: str | None = None,
        prompt_template_version: str | None = None,
        prompt_template_variables: Mapping[str, Any] | None = None,
        **extra: AttributeValue,
    ) -> None:
        parent = _ATTRS.get() or {}
        attrs: dict[str, AttributeValue] = dict(parent)
        given = {
            "user_id": user_id,
            "tenant_id": tenant_id,
            "session_id": session_id,
            "conversation_id": conversation_id,
            "prompt_template": prompt_template,
            "prompt_template_version": prompt_template_version,
        }
        for name, value in given.items():
            if value is not None:
                attrs[_FIELDS[name]] = str(value)
        if session_id is not None and conversation_id is None:
            attrs.setdefault(sc.GEN_AI_CONVERSATION_ID, str(session_id))
        meta = dict(_META.get() or {})
        if metadata:
            meta.update(metadata)
            attrs[sc.METADATA] = json.dumps(meta, default=str, separators=(",", ":"))
        if tags:
            old = parent.get(sc.TAG_TAGS)
            prev = [str(t) for t in old] if isinstance(old, (list, tuple)) else []
            merged = [*prev, *map(str, tags)]
            attrs[sc.TAG_TAGS] = list(dict.fromkeys(merged))
        if prompt_template_variables is not None:
            attrs[sc.LLM_PROMPT_TEMPLATE_VARIABLES] = json.dumps(
                dict(prompt_template_variables), default=str
            )
        attrs.update(extra)
        self._attrs: Mapping[str, AttributeValue] = attrs
        self._meta: Mapping[str, Any] = meta
        self._tokens: tuple[Any, Any, Any] | None = None

    def __enter__(self) -> using_attributes:
        ctx = otel_context.get_current()
        for key in _BAGGAGE_FIELDS:
            value = self._attrs.get(key)
            if value is not None:
                ctx = baggage.set_baggage(key, str(value), ctx)
        self._tokens = (
            _ATTRS.set(self._attrs),
            _META.set(self._meta),
            otel_context.attach(ctx),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._tokens is not None:
            a, m, c = self._tokens
            otel_context.detach(c)
            _META.reset(m)
            _ATTRS.reset(a)
            self._tokens = None

    async def __aenter__(self) -> using_attributes:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def baggage_attributes(ctx: Context | None, allowed: Sequence[str]) -> dict[str, AttributeValue]:
    """Allow-listed W3C baggage entries of ``ctx`` as span attributes."""
    entries = baggage.get_all(ctx)
    if not entries:
        return {}
    return {k: str(v) for k, v in entries.items() if k in allowed}


# ------------------------------------------------------------------ propagation


def inject_context(
    carrier: MutableMapping[str, str] | None = None, context: Context | None = None
) -> MutableMapping[str, str]:
    """Write the current trace context (and baggage) into ``carrier`` with the
    configured propagators (``OTEL_PROPAGATORS``); returns the carrier."""
    out: MutableMapping[str, str] = {} if carrier is None else carrier
    propagate.inject(out, context=context)
    return out


class _HeaderGetter(DefaultGetter):
    """Case-insensitive lookup: HTTP header names are (RFC 9110), and a dict made from a
    framework's headers often keeps ``Traceparent`` / ``X-B3-TraceId`` casing, which the
    OTel default getter (exact keys) silently ignores."""

    def get(self, carrier: Mapping[str, Any], key: str) -> list[str] | None:
        found = super().get(carrier, key)
        if found is not None:
            return found
        lower = key.lower()
        for name in carrier:
            if isinstance(name, str) and name.lower() == lower:
                return super().get(carrier, name)
        return None


_GETTER = _HeaderGetter()


def extract_context(carrier: Mapping[str, str], context: Context | None = None) -> Context:
    """Read a trace context from ``carrier`` (HTTP headers, MCP ``_meta``, …); header
    names are matched case-insensitively."""
    return propagate.extract(carrier, context=context, getter=_GETTER)


@contextmanager
def use_context(ctx: Context) -> Iterator[Context]:
    """Make ``ctx`` (e.g. from :func:`extract_context`) current inside the block."""
    token = otel_context.attach(ctx)
    try:
        yield ctx
    finally:
        otel_context.detach(token)


def current_trace_id() -> str | None:
    """The current trace id as 32 lowercase hex digits, or None outside a span."""
    sc_ = trace.get_current_span().get_span_context()
    return format(sc_.trace_id, "032x") if sc_.is_valid else None


def trace_id_headers() -> dict[str, str]:
    """``{"X-Trace-Id": <hex>}`` for an HTTP response (empty outside a span), so users
    can quote the id that finds their request in the backend."""
    tid = current_trace_id()
    return {sc.TRACE_ID_HEADER: tid} if tid else {}
