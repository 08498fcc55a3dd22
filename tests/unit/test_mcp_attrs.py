"""Pure parts of the MCP integration: attribute builders, header parsing, patcher."""

from __future__ import annotations

import types
from typing import Any

import mcp.types as mt
import pytest
from mcp.shared.exceptions import MCPError

from mcp_llm_trace import load_config
from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.runtime import Runtime
from mcp_llm_trace.integrations.mcp import _attrs
from mcp_llm_trace.integrations.mcp._http import trace_id_from_body
from mcp_llm_trace.integrations.mcp._patch import Patcher
from mcp_llm_trace.integrations.mcp._server import error_code_of


def _rt(**settings: Any) -> Runtime:
    return Runtime(None, load_config(**settings))


def test_tool_call_attributes_without_capture_keep_only_sizes() -> None:
    a = _attrs.request_attributes(_rt(), "tools/call", {"name": "t", "arguments": {"q": "x"}})
    assert a[sc.GEN_AI_TOOL_NAME] == "t" and a[sc.TOOL_NAME] == "t"
    assert a[sc.SPAN_KIND] == sc.KIND_TOOL
    assert a[sc.GEN_AI_OPERATION_NAME] == "execute_tool"
    assert a[sc.CONTENT_INPUT_LENGTH] == len('{"q":"x"}')
    assert sc.GEN_AI_TOOL_CALL_ARGUMENTS not in a and sc.INPUT_VALUE not in a


def test_tool_call_attributes_with_capture() -> None:
    a = _attrs.request_attributes(
        _rt(capture_content=True), "tools/call", {"name": "t", "arguments": {"q": "x"}}
    )
    assert a[sc.GEN_AI_TOOL_CALL_ARGUMENTS] == a[sc.INPUT_VALUE] == '{"q":"x"}'


def test_semconv_genai_only_drops_openinference_keys() -> None:
    a = _attrs.request_attributes(_rt(semconv="genai"), "tools/call", {"name": "t"})
    assert sc.SPAN_KIND not in a and sc.TOOL_NAME not in a
    assert a[sc.GEN_AI_TOOL_NAME] == "t"


def test_prompt_and_resource_targets() -> None:
    rt = _rt()
    p = _attrs.request_attributes(rt, "prompts/get", {"name": "p", "arguments": {"b": 1, "a": 2}})
    assert p[sc.GEN_AI_PROMPT_NAME] == "p"
    assert p[sc.PROMPT_VARIABLE_NAMES] == ["a", "b"]
    r = _attrs.request_attributes(rt, "resources/read", {"uri": "file:///x"})
    assert r[sc.MCP_RESOURCE_URI] == "file:///x"
    assert _attrs.target_of("resources/read", {"uri": "file:///x"}) == "file:///x"
    assert _attrs.target_of("tools/list", None) is None


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        ({"isError": True, "content": []}, True),
        ({"isError": False}, False),
        ({"content": []}, False),
        (mt.CallToolResult(content=[], is_error=True), True),
        (types.SimpleNamespace(isError=True), True),  # the 1.x model spelling
    ],
)
def test_is_tool_error_shapes(result: object, expected: bool) -> None:
    assert _attrs.is_tool_error(result) is expected


def test_result_attributes_count_documents_and_sizes() -> None:
    a = _attrs.result_attributes(
        _rt(), "resources/read", {"contents": [{"uri": "u", "text": "t"}] * 2}
    )
    assert a[sc.DOCUMENT_COUNT] == 2
    size = a[sc.CONTENT_OUTPUT_LENGTH]
    assert isinstance(size, int) and size > 0 and sc.OUTPUT_VALUE not in a
    assert _attrs.result_attributes(_rt(), "tools/list", {"tools": []}) == {}


def test_error_attributes() -> None:
    a = _attrs.error_attributes(-32601, "Method not found")
    assert a == {
        sc.RPC_JSONRPC_ERROR_CODE: -32601,
        sc.ERROR_TYPE: "-32601",
        sc.RPC_JSONRPC_ERROR_MESSAGE: "Method not found",
    }


def test_error_code_of_exceptions() -> None:
    assert error_code_of(MCPError(code=-32602, message="bad")) == (-32602, "bad")
    assert error_code_of(RuntimeError("x")) == (0, "x")  # mcp 2.x wire code for crashes
    assert error_code_of(KeyboardInterrupt()) is None


def test_trace_id_from_body() -> None:
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    body = b'{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"traceparent":"%s"}}}'
    assert trace_id_from_body(body % tp.encode()) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace_id_from_body(b"[" + body % tp.encode() + b"]") is not None
    assert trace_id_from_body(b"not json") is None
    assert trace_id_from_body(b'{"params":{"_meta":{"traceparent":"00-0-0-0"}}}') is None


def test_patcher_wraps_once_and_restores() -> None:
    class Target:
        def f(self) -> str:
            return "orig"

    p = Patcher()
    p.wrap(Target, "f", lambda orig: lambda self: "wrapped:" + orig(self))
    p.wrap(Target, "f", lambda orig: lambda self: "twice")  # already ours: ignored
    assert Target().f() == "wrapped:orig" and bool(p)
    p.undo()
    assert Target().f() == "orig" and not p
