"""Arize Phoenix as the first-class backend: local server, price sync, cost read-back.

The SDK never depends on the Phoenix *server* (``arize-phoenix``); these helpers run it
from its own virtualenv (``scripts/phoenix-venv.sh``) and talk to it over HTTP.

Example::

    from mcp_llm_trace.integrations.phoenix import local_phoenix, sync_prices_to_phoenix

    with local_phoenix() as px:
        sync_prices_to_phoenix(px.url)     # Phoenix's cost = our cost from now on
        ...                                # configure(traces_exporter="phoenix", ...)
"""

from __future__ import annotations

from mcp_llm_trace.integrations.phoenix.graphql import (
    PhoenixGraphQLError,
    base_url,
    graphql_request,
    project_cost_summary,
)
from mcp_llm_trace.integrations.phoenix.server import (
    PhoenixNotInstalledError,
    PhoenixServer,
    PhoenixStartError,
    find_phoenix_executable,
    free_port,
    is_phoenix_ready,
    launch_phoenix,
    local_phoenix,
)
from mcp_llm_trace.integrations.phoenix.sync import (
    PRICE_RELOAD_WAIT_S,
    SyncResult,
    sync_prices_to_phoenix,
)

__all__ = [
    "PRICE_RELOAD_WAIT_S",
    "PhoenixGraphQLError",
    "PhoenixNotInstalledError",
    "PhoenixServer",
    "PhoenixStartError",
    "SyncResult",
    "base_url",
    "find_phoenix_executable",
    "free_port",
    "graphql_request",
    "is_phoenix_ready",
    "launch_phoenix",
    "local_phoenix",
    "project_cost_summary",
    "sync_prices_to_phoenix",
]
