"""Telemetry disabled: instrument_mcp() changes nothing on the wire and makes no spans."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp.client import ClientSession
from mcp.shared.memory import create_client_server_memory_streams
from mcp.shared.message import SessionMessage
from test_mcp_servers import make_upstream

import mcp_llm_trace as mlt
from mcp_llm_trace._internal.runtime import active
from mcp_llm_trace.integrations.mcp import TRACE_ID_META_KEY, instrument_mcp, uninstrument_mcp

pytestmark = pytest.mark.integration


class _Tap:
    """A write stream that records every JSON-RPC message it carries."""

    def __init__(self, inner: Any, log: list[dict[str, Any]]) -> None:
        self._inner = inner
        self._log = log

    async def send(self, item: Any) -> None:
        if isinstance(item, SessionMessage):
            self._log.append(item.message.model_dump(by_alias=True, mode="json", exclude_none=True))
        await self._inner.send(item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> _Tap:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self._inner.__aexit__(*exc)


async def _transcript() -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    server = make_upstream()._lowlevel_server
    async with create_client_server_memory_streams() as (client_streams, server_streams):
        async with anyio.create_task_group() as tg:
            tg.start_soon(
                lambda: server.run(
                    server_streams[0],
                    _Tap(server_streams[1], log),
                    server.create_initialization_options(),
                )
            )
            async with ClientSession(client_streams[0], _Tap(client_streams[1], log)) as s:
                await s.initialize()
                await s.call_tool("add", {"a": 1, "b": 2})
                await s.call_tool("explode", {})
                await s.get_prompt("summarize", {"topic": "t"})
            await client_streams[1].aclose()
            tg.cancel_scope.cancel()
    return log


def _without_trace_ids(value: Any) -> Any:
    # A global provider from an earlier test may make the SDK itself inject a
    # traceparent (random ids): compare the shape, not the ids.
    if isinstance(value, dict):
        return {
            k: ("<id>" if k in ("traceparent", "tracestate") else _without_trace_ids(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_trace_ids(v) for v in value]
    return value


async def test_disabled_telemetry_leaves_traffic_unchanged() -> None:
    tel = mlt.configure(force=True, enabled=False)
    try:
        uninstrument_mcp()
        baseline = await _transcript()
        assert instrument_mcp()
        assert active().tracer is None
        instrumented = await _transcript()
    finally:
        uninstrument_mcp()
        tel.shutdown()
    assert _without_trace_ids(instrumented) == _without_trace_ids(baseline)
    assert TRACE_ID_META_KEY not in str(instrumented)
    assert len(instrumented) >= 8  # requests, notifications and responses were compared
