"""Client side, inbound (mcp 2.x): requests and notifications the *server* sends.

``sampling/createMessage``, ``elicitation/create``, ``roots/list``, ``ping`` and server
notifications reach ``ClientSession._on_request`` / ``_on_notify``; the SDK has no span
there, so we open a SERVER-kind span (the client is the receiver) parented on the
``traceparent`` the server's dispatcher put in ``params._meta``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

from mcp_llm_trace._internal.runtime import active
from mcp_llm_trace.context import extract_context, use_context
from mcp_llm_trace.gateway_spans import mcp_span
from mcp_llm_trace.integrations.mcp import _attrs
from mcp_llm_trace.integrations.mcp._patch import Patcher
from mcp_llm_trace.integrations.mcp._server import error_code_of

Fn = Callable[..., Any]


def _parent(params: Mapping[str, Any] | None) -> Any:
    meta = params.get("_meta") if params else None
    if isinstance(meta, Mapping) and meta:
        return extract_context(meta)
    return None


def wrap_on_request(original: Fn) -> Fn:
    """A span around the client's answer to a server request."""

    async def _on_request(
        self: Any, dctx: Any, method: str, params: Mapping[str, Any] | None
    ) -> Any:
        rt = active()
        if rt.tracer is None:
            return await original(self, dctx, method, params)
        parent = _parent(params)
        handle = mcp_span(
            method,
            _attrs.target_of(method, params),
            side="server",
            request_id=getattr(dctx, "request_id", None),
            protocol_version=getattr(self, "protocol_version", None),
            attributes=_attrs.request_attributes(rt, method, params),
        )
        with use_context(parent) if parent is not None else nullcontext():
            async with handle:
                try:
                    result = await original(self, dctx, method, params)
                except BaseException as exc:
                    found = error_code_of(exc)
                    if found is not None:
                        handle.set_attributes(_attrs.error_attributes(*found))
                    raise
                if isinstance(result, Mapping):
                    handle.set_attributes(_attrs.result_attributes(rt, method, result))
                return result

    return _on_request


def wrap_on_notify(original: Fn) -> Fn:
    """A span around the client's handling of a server notification."""

    async def _on_notify(
        self: Any, dctx: Any, method: str, params: Mapping[str, Any] | None
    ) -> Any:
        rt = active()
        if rt.tracer is None:
            return await original(self, dctx, method, params)
        parent = _parent(params)
        handle = mcp_span(
            method, side="server", attributes=_attrs.request_attributes(rt, method, None)
        )
        with use_context(parent) if parent is not None else nullcontext():
            async with handle:
                return await original(self, dctx, method, params)

    return _on_notify


def install(patcher: Patcher) -> None:
    """Patch ``ClientSession``'s inbound handlers."""
    from mcp.client.session import ClientSession

    patcher.wrap(ClientSession, "_on_request", wrap_on_request)
    patcher.wrap(ClientSession, "_on_notify", wrap_on_notify)
