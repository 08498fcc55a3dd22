"""Pure attribute builders for MCP requests, results and errors (no tracer needed).

Shared by the client and server halves and by both SDK lines (1.x and 2.x): they read
the wire shapes (JSON-RPC ``params`` / ``result`` dicts), which are the same in both.
Content (tool arguments and results, prompt arguments, resource contents) follows the
capture rules: its size is always recorded, the text only when the category is on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.messages import to_json
from mcp_llm_trace._internal.runtime import Runtime

#: OpenInference kind per MCP method (everything else is CHAIN).
_OI_KIND = {
    "tools/call": sc.KIND_TOOL,
    "prompts/get": sc.KIND_PROMPT,
    "resources/read": sc.KIND_RETRIEVER,
    "sampling/createMessage": sc.KIND_LLM,
}
#: Capture category (CaptureConfig field) of a method's input and output content.
_CATEGORY = {
    "tools/call": ("tool_io", "tool_io"),
    "prompts/get": ("prompts", "prompts"),
    "resources/read": (None, "documents"),
    "sampling/createMessage": ("prompts", "completions"),
    "elicitation/create": ("tool_io", "tool_io"),
}

#: JSON-RPC codes the SDKs use (kept here so 1.x/2.x imports differ in one place only).
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_TIMEOUT = -32001
CONNECTION_CLOSED = -32000


def captures(rt: Runtime, category: str | None) -> bool:
    """Whether content of ``category`` is recorded (True without a config, like
    OpenInference when an external SDK set-up is used)."""
    if category is None:
        return False
    cap = rt.capture
    if cap is None:
        return True
    return bool(getattr(cap, category, False))


def target_of(method: str, params: Mapping[str, Any] | None) -> str | None:
    """The span-name target: tool/prompt name, or resource URI."""
    if not params:
        return None
    key = "uri" if method.startswith("resources/") else "name"
    value = params.get(key)
    return value if isinstance(value, str) else None


def request_attributes(
    rt: Runtime, method: str, params: Mapping[str, Any] | None
) -> dict[str, AttributeValue]:
    """Attributes known when a request starts: kind, tool/prompt/resource, arguments."""
    a: dict[str, AttributeValue] = {sc.MCP_METHOD_NAME: method, sc.RPC_SYSTEM: "jsonrpc"}
    if rt.openinference:
        a[sc.SPAN_KIND] = _OI_KIND.get(method, sc.KIND_CHAIN)
    target = target_of(method, params)
    if method == "tools/call":
        a[sc.GEN_AI_OPERATION_NAME] = "execute_tool"
        if target:
            a[sc.GEN_AI_TOOL_NAME] = target
            if rt.openinference:
                a[sc.TOOL_NAME] = target
    elif method == "prompts/get" and target:
        a[sc.GEN_AI_PROMPT_NAME] = target
    elif method.startswith("resources/") and target:
        a[sc.MCP_RESOURCE_URI] = target
    if not params:
        return a
    args = params.get("arguments")
    if method == "prompts/get" and isinstance(args, Mapping) and args:
        a[sc.PROMPT_VARIABLE_NAMES] = sorted(str(k) for k in args)
    if method == "sampling/createMessage":
        args = params.get("messages")
    elif method == "elicitation/create":
        args = params.get("message")
    if args is not None:
        text = to_json(args)
        a[sc.CONTENT_INPUT_LENGTH] = len(text)
        if captures(rt, _CATEGORY.get(method, (None, None))[0]):
            a[sc.INPUT_VALUE] = text
            a[sc.INPUT_MIME_TYPE] = sc.MIME_TEXT if isinstance(args, str) else sc.MIME_JSON
            if method == "tools/call":
                if rt.openinference:
                    a[sc.TOOL_PARAMETERS] = text
                if rt.genai:
                    a[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = text
    return a


def is_tool_error(result: Any) -> bool:
    """``isError`` of a tools/call result: wire dict (``isError``), 2.x model
    (``is_error``) or 1.x model (``isError``)."""
    if isinstance(result, Mapping):
        return result.get("isError") is True
    return bool(getattr(result, "is_error", False) or getattr(result, "isError", False))


def result_attributes(
    rt: Runtime, method: str, result: Mapping[str, Any]
) -> dict[str, AttributeValue]:
    """Attributes from a successful JSON-RPC result (wire dict)."""
    a: dict[str, AttributeValue] = {}
    if method == "tools/call":
        payload: Any = result.get("structuredContent") or result.get("content")
    elif method == "prompts/get":
        payload = result.get("messages")
    elif method == "resources/read":
        payload = result.get("contents")
        if isinstance(payload, list):
            a[sc.DOCUMENT_COUNT] = len(payload)
    elif method == "sampling/createMessage":
        payload = result.get("content")
        model = result.get("model")
        if isinstance(model, str):
            a[sc.GEN_AI_RESPONSE_MODEL] = model
    elif method == "elicitation/create":
        payload = result.get("content")
    else:
        return a
    if payload is None:
        return a
    text = to_json(payload)
    a[sc.CONTENT_OUTPUT_LENGTH] = len(text)
    if captures(rt, _CATEGORY.get(method, (None, None))[1]):
        a[sc.OUTPUT_VALUE] = text
        a[sc.OUTPUT_MIME_TYPE] = sc.MIME_JSON
        if method == "tools/call" and rt.genai:
            a[sc.GEN_AI_TOOL_CALL_RESULT] = text
    return a


def error_attributes(code: int, message: str | None) -> dict[str, AttributeValue]:
    """A JSON-RPC error: the code (also as ``error.type``, as the MCP semconv asks)."""
    a: dict[str, AttributeValue] = {sc.RPC_JSONRPC_ERROR_CODE: code, sc.ERROR_TYPE: str(code)}
    if message:
        a[sc.RPC_JSONRPC_ERROR_MESSAGE] = message
    return a


def metric_attributes(attrs: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """The bounded dimensions of the MCP duration histograms."""
    out: dict[str, AttributeValue] = {}
    for key in (
        sc.MCP_METHOD_NAME,
        sc.GEN_AI_TOOL_NAME,
        sc.ERROR_TYPE,
        sc.MCP_PROTOCOL_VERSION,
        sc.TENANT_ID,
    ):
        value = attrs.get(key)
        if value is not None:
            out[key] = value
    return out
