"""A minimal client for Phoenix's GraphQL API (``/graphql``), standard library only.

Used for price sync and cost read-back; the SDK does not depend on ``arize-phoenix``.

Example::

    from mcp_llm_trace.integrations.phoenix import project_cost_summary
    summary = project_cost_summary("http://127.0.0.1:6006", "default")
    print(summary["total"]["cost"], summary["total"]["tokens"])
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

__all__ = [
    "PhoenixGraphQLError",
    "base_url",
    "graphql_request",
    "project_cost_summary",
]

_COST_SUMMARY = """
query ($name: String!) {
  getProjectByName(name: $name) {
    costSummary {
      total { cost tokens }
      prompt { cost tokens }
      completion { cost tokens }
    }
  }
}
"""


class PhoenixGraphQLError(RuntimeError):
    """Phoenix answered with GraphQL errors or an HTTP error; ``errors`` has the details."""

    def __init__(self, message: str, errors: list[Any] | None = None, data: Any = None) -> None:
        super().__init__(message)
        self.errors = errors or []
        self.data = data


def base_url(endpoint: str) -> str:
    """Phoenix base URL from a collector endpoint (drops ``/v1/traces`` and a trailing /)."""
    url = endpoint.strip().rstrip("/")
    for suffix in ("/v1/traces", "/graphql"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
    if "://" not in url:
        url = f"http://{url}"
    return url


def graphql_request(
    endpoint: str,
    query: str,
    variables: Mapping[str, Any] | None = None,
    *,
    api_key: str | None = None,
    timeout_s: float = 30.0,
    allow_errors: bool = False,
) -> dict[str, Any]:
    """POST one GraphQL document; returns the whole response (``data`` and ``errors``).

    Raises :class:`PhoenixGraphQLError` on HTTP errors, and on GraphQL errors unless
    ``allow_errors`` (batched mutations report per-alias errors that way).
    """
    body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
    headers = {"content-type": "application/json", "accept": "application/json"}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    req = urllib.request.Request(
        f"{base_url(endpoint)}/graphql", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            payload = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")[:500]
        raise PhoenixGraphQLError(f"Phoenix GraphQL HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise PhoenixGraphQLError(
            f"cannot reach Phoenix at {base_url(endpoint)} ({exc}); is it running? "
            "(`mcp-llm-trace phoenix serve`)"
        ) from None
    if not isinstance(payload, dict):
        raise PhoenixGraphQLError(f"unexpected GraphQL response: {payload!r:.200}")
    errors = payload.get("errors") or []
    if errors and not allow_errors:
        msgs = "; ".join(str(e.get("message", e)) for e in errors[:5])
        raise PhoenixGraphQLError(f"Phoenix GraphQL error: {msgs}", errors, payload.get("data"))
    return payload


def project_cost_summary(
    endpoint: str, project: str, *, api_key: str | None = None
) -> dict[str, dict[str, float]]:
    """Phoenix's own cost/token totals for ``project``: ``{"total"|"prompt"|"completion":
    {"cost": float, "tokens": float}}`` (zeros for an unknown or empty project)."""
    payload = graphql_request(endpoint, _COST_SUMMARY, {"name": project}, api_key=api_key)
    proj = (payload.get("data") or {}).get("getProjectByName")
    out: dict[str, dict[str, float]] = {}
    summary = (proj or {}).get("costSummary") or {}
    for part in ("total", "prompt", "completion"):
        values = summary.get(part) or {}
        out[part] = {
            "cost": float(values.get("cost") or 0.0),
            "tokens": float(values.get("tokens") or 0.0),
        }
    return out
