"""One count per tool invocation when an MCP ``tools/call`` span wraps ``execute_tool``.

A gateway usually records both: the MCP server span of the ``tools/call`` request and,
inside it, the ``execute_tool`` span of the function that does the work. Both carry
``gen_ai.tool.name``; counting both would double ``mcp_llm_trace.tool.invocations``
and halve the tool error ratio. The server span opens a :class:`ToolScope`; a nested
tool span of the same name marks it, and the server span then counts only what the
tool span did not (an error raised after the tool returned).
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc

if TYPE_CHECKING:
    from mcp_llm_trace.metrics import MetricsCollector


class ToolScope:
    """The tool invocation an MCP server span stands for."""

    __slots__ = ("counted", "errored", "name")

    def __init__(self, name: object) -> None:
        self.name = name
        self.counted = False
        self.errored = False


_SCOPE: contextvars.ContextVar[ToolScope | None] = contextvars.ContextVar(
    "mcp_llm_trace_tool_scope", default=None
)


def tool_name_of(attrs: dict[str, AttributeValue] | dict[str, object]) -> object:
    """The tool name under either convention, or None."""
    name = attrs.get(sc.GEN_AI_TOOL_NAME)
    return name if name is not None else attrs.get(sc.TOOL_NAME)


def enter(name: object) -> tuple[ToolScope, contextvars.Token[ToolScope | None]]:
    """Open a scope for tool ``name``; pass the token to :func:`leave`."""
    scope = ToolScope(name)
    return scope, _SCOPE.set(scope)


def leave(token: contextvars.Token[ToolScope | None]) -> None:
    """Close the scope opened with ``token``."""
    try:
        _SCOPE.reset(token)
    except ValueError:  # ended in another context (async generator, task hop)
        _SCOPE.set(None)


def note_nested(name: object, errored: bool) -> None:
    """A tool span of ``name`` counted itself: tell the enclosing server span."""
    scope = _SCOPE.get()
    if scope is not None and scope.name == name:
        scope.counted = True
        scope.errored = scope.errored or errored


def count_server_tool(
    mc: MetricsCollector, attrs: dict[str, AttributeValue], scope: ToolScope | None
) -> None:
    """Tool counters for an MCP server span, minus what a nested tool span counted."""
    errored = sc.ERROR_TYPE in attrs
    if scope is None or not scope.counted:
        mc.add(mc.instrument("tool_calls"), 1, attrs)
        if errored:
            mc.add(mc.instrument("tool_errors"), 1, attrs)
    elif errored and not scope.errored:
        mc.add(mc.instrument("tool_errors"), 1, attrs)
