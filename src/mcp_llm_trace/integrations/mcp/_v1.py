"""mcp 1.x (no built-in tracing): not instrumented yet — see docs/mcp.md."""

from __future__ import annotations

import logging

from mcp_llm_trace.integrations.mcp._patch import Patcher

logger = logging.getLogger("mcp_llm_trace")


def install(patcher: Patcher, *, client: bool, server: bool) -> bool:
    """Instrument mcp 1.x; returns False while unsupported (a warning says so)."""
    del patcher, client, server
    logger.warning(
        "mcp-llm-trace: mcp 1.x is not instrumented by this version; "
        "upgrade to mcp>=2 or trace calls with mlt.mcp_tool_call()"
    )
    return False
