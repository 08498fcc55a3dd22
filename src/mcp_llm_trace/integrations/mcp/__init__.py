"""Tracing for the official ``mcp`` Python SDK: ``instrument_mcp()`` / ``uninstrument_mcp()``.

One call instruments every client session and server in the process, like an OTel
instrumentor::

    import mcp_llm_trace as mlt
    from mcp_llm_trace.integrations.mcp import instrument_mcp

    mlt.configure(service_name="gateway")
    instrument_mcp()

What you get (details in ``docs/mcp.md``):

* a span for every request and notification on both sides (``tools/call``,
  ``tools/list``, ``prompts/get``, ``resources/read``, ``initialize``, sampling,
  elicitation …) with the MCP semantic conventions (``mcp.method.name``,
  ``mcp.session.id``, ``mcp.protocol.version``, ``jsonrpc.request.id``,
  ``gen_ai.tool.name``, ``mcp.resource.uri``, ``rpc.jsonrpc.error_code``) and
  OpenInference kinds (TOOL for tool calls);
* mcp 2.x traces itself: its own spans are *enriched*, never duplicated;
* W3C ``traceparent``/``tracestate``/``baggage`` carried in ``params._meta`` (the carrier
  OpenInference's MCP instrumentation uses), so client → gateway → upstream is one trace;
* tool errors (``isError`` results, JSON-RPC errors, timeouts) as status ERROR;
* the trace id returned in ``result._meta["mcp_llm_trace/trace_id"]`` and, over
  streamable HTTP, in an ``X-Trace-Id`` response header;
* ``mcp.server.operation.duration`` / ``mcp.client.operation.duration`` histograms.

With telemetry disabled the patched code defers to the SDK untouched: no spans, and the
messages on the wire are exactly what the SDK sends.
"""

from __future__ import annotations

import logging
import threading
from importlib.metadata import PackageNotFoundError, version

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.mcp._patch import Patcher

__all__ = ["TRACE_ID_META_KEY", "instrument_mcp", "is_instrumented", "uninstrument_mcp"]

logger = logging.getLogger("mcp_llm_trace")

#: Key of the trace id in a result's ``_meta`` (``"mcp_llm_trace/trace_id"``).
TRACE_ID_META_KEY = sc.MCP_TRACE_ID_META_KEY

_LOCK = threading.Lock()
_PATCHER = Patcher()


def mcp_major_version() -> int | None:
    """Major version of the installed ``mcp`` package (None when not installed)."""
    try:
        return int(version("mcp").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return None


def instrument_mcp(*, client: bool = True, server: bool = True) -> bool:
    """Instrument the ``mcp`` SDK's client sessions and/or servers in this process.

    Idempotent and cheap; works whether called before or after sessions and servers
    are created. Returns False (with a warning) when ``mcp`` is not installed or its
    version is not supported (1.20–2.x are).

    Example::

        instrument_mcp()                 # both sides
        instrument_mcp(client=False)     # a server whose clients propagate themselves
    """
    major = mcp_major_version()
    if major is None:
        logger.warning(
            "mcp-llm-trace: the 'mcp' package is not installed; install mcp-llm-trace[mcp]"
        )
        return False
    with _LOCK:
        if _PATCHER:
            return True
        if major >= 2:
            _install_v2(client=client, server=server)
        else:
            from mcp_llm_trace.integrations.mcp import _v1

            return _v1.install(_PATCHER, client=client, server=server)
    return True


def _install_v2(*, client: bool, server: bool) -> None:
    import mcp.server._otel as server_otel
    import mcp.shared.jsonrpc_dispatcher as dispatcher_module

    from mcp_llm_trace.integrations.mcp import _client, _http, _inbound, _server
    from mcp_llm_trace.integrations.mcp._sdkspan import make_otel_span

    if client:
        _PATCHER.wrap(dispatcher_module, "otel_span", make_otel_span)
        _client.install(_PATCHER)
        _inbound.install(_PATCHER)
    if server:
        _PATCHER.wrap(server_otel, "otel_span", make_otel_span)
        _server.install(_PATCHER)
        _http.install(_PATCHER)


def uninstrument_mcp() -> None:
    """Undo :func:`instrument_mcp` (the SDK behaves exactly as before)."""
    with _LOCK:
        _PATCHER.undo()


def is_instrumented() -> bool:
    """True between :func:`instrument_mcp` and :func:`uninstrument_mcp`."""
    return bool(_PATCHER)
