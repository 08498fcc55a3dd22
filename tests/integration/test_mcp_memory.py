"""instrument_mcp() with real MCP servers and clients over in-memory streams."""

from __future__ import annotations

from collections.abc import Iterator

import mcp.types as mt
import pytest
from mcp.client import Client
from mcp.shared.exceptions import MCPError
from opentelemetry.trace import SpanKind, StatusCode
from test_mcp_servers import (
    BAD_INPUT,
    answer_sampling,
    hex_trace,
    make_gateway,
    make_upstream,
    only,
    parent_of,
)

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.mcp import (
    TRACE_ID_META_KEY,
    instrument_mcp,
    is_instrumented,
    uninstrument_mcp,
)
from mcp_llm_trace.testing import CapturedSpans

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore:The sampling capability is deprecated"),
]


@pytest.fixture(autouse=True)
def _instrumented() -> Iterator[None]:
    assert instrument_mcp()
    yield
    uninstrument_mcp()


async def test_tool_call_is_one_trace_client_to_server(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        result = await client.call_tool("add", {"a": 2, "b": 3})
        version = client.protocol_version
    spans = captured_spans.spans
    server = only(spans, "tools/call add", SpanKind.SERVER)
    sent = only(spans, "MCP send tools/call add", SpanKind.CLIENT)
    assert parent_of(server, spans) is sent
    assert hex_trace(server) == hex_trace(sent)
    assert result.meta is not None and result.meta[TRACE_ID_META_KEY] == hex_trace(server)
    for span in (server, sent):
        attrs = span.attributes or {}
        assert attrs[sc.GEN_AI_TOOL_NAME] == "add"
        assert attrs[sc.SPAN_KIND] == sc.KIND_TOOL
        assert attrs[sc.MCP_METHOD_NAME] == "tools/call"
        assert attrs[sc.JSONRPC_REQUEST_ID] == (server.attributes or {})[sc.JSONRPC_REQUEST_ID]
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == "mcp-python-sdk"  # enriched, not duplicated
        assert span.status.status_code is StatusCode.UNSET
    assert (sent.attributes or {})[sc.MCP_PROTOCOL_VERSION] == version


async def test_content_is_captured_only_when_enabled(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        await client.call_tool("search", {"query": "otel"})
    attrs = captured_spans.attributes_of("tools/call search")
    assert sc.INPUT_VALUE not in attrs and sc.OUTPUT_VALUE not in attrs
    assert attrs[sc.CONTENT_INPUT_LENGTH] == len('{"query":"otel"}')
    assert attrs[sc.CONTENT_OUTPUT_LENGTH] > 0


@pytest.mark.mcp_llm_trace(capture_content=True, sanitize_pii=False)
async def test_arguments_and_result_captured(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        await client.call_tool("search", {"query": "otel"})
    attrs = captured_spans.attributes_of("tools/call search")
    assert attrs[sc.GEN_AI_TOOL_CALL_ARGUMENTS] == '{"query":"otel"}'
    assert "3 hits for otel" in str(attrs[sc.OUTPUT_VALUE])


async def test_tool_raising_is_error_on_both_sides(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        result = await client.call_tool("explode", {})
    assert result.is_error
    for name in ("tools/call explode", "MCP send tools/call explode"):
        span = only(captured_spans.spans, name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert (span.attributes or {})[sc.ERROR_TYPE] == sc.MCP_TOOL_ERROR


async def test_unknown_tool_is_error(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        result = await client.call_tool("no_such_tool", {})
    assert result.is_error
    span = only(captured_spans.spans, "MCP send tools/call no_such_tool")
    assert span.status.status_code is StatusCode.ERROR


async def test_jsonrpc_error_code_on_both_spans(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        with pytest.raises(MCPError):
            await client.call_tool("reject", {"reason": "x"})
    for name in ("tools/call reject", "MCP send tools/call reject"):
        span = only(captured_spans.spans, name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert (span.attributes or {})[sc.RPC_JSONRPC_ERROR_CODE] == BAD_INPUT, name


async def test_unknown_method_has_method_not_found_code(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        with pytest.raises(MCPError) as err:
            await client.session.complete(
                ref=mt.PromptReference(type="ref/prompt", name="summarize"),
                argument={"name": "topic", "value": "o"},
            )
    span = only(captured_spans.spans, "completion/complete", SpanKind.SERVER)
    assert (span.attributes or {})[sc.RPC_JSONRPC_ERROR_CODE] == err.value.error.code
    assert span.status.status_code is StatusCode.ERROR


async def test_timeout_is_error_with_request_timeout_code(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        with pytest.raises(MCPError) as err:
            await client.session.call_tool("slow", {"seconds": 2.0}, read_timeout_seconds=0.05)
    span = only(captured_spans.spans, "MCP send tools/call slow")
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})[sc.RPC_JSONRPC_ERROR_CODE] == err.value.error.code


async def test_prompt_resource_and_list_spans(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        await client.list_tools()
        await client.get_prompt("summarize", {"topic": "otel"})
        await client.read_resource("docs://readme")
        await client.list_resources()
    spans = captured_spans.spans
    prompt = only(spans, "prompts/get summarize", SpanKind.SERVER).attributes or {}
    assert prompt[sc.GEN_AI_PROMPT_NAME] == "summarize"
    assert prompt[sc.SPAN_KIND] == sc.KIND_PROMPT
    assert prompt[sc.PROMPT_VARIABLE_NAMES] == ("topic",)
    read = only(spans, "resources/read", SpanKind.SERVER).attributes or {}
    assert read[sc.MCP_RESOURCE_URI] == "docs://readme"
    assert read[sc.DOCUMENT_COUNT] == 1
    assert only(spans, "tools/list", SpanKind.SERVER)
    assert only(spans, "resources/list", SpanKind.SERVER)
    init = only(spans, "initialize", SpanKind.SERVER)
    assert parent_of(init, spans).name == "MCP send initialize"
    notified = only(spans, "notifications/initialized", SpanKind.SERVER)
    assert parent_of(notified, spans).kind is SpanKind.CLIENT  # our span for the notification


async def test_sampling_request_from_server_is_traced(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy", sampling_callback=answer_sampling) as client:
        result = await client.call_tool("ask_model", {"question": "6*7?"})
    assert not result.is_error
    spans = captured_spans.spans
    tool = only(spans, "tools/call ask_model", SpanKind.SERVER)
    ask = only(spans, "MCP send sampling/createMessage", SpanKind.CLIENT)
    answer = only(spans, "sampling/createMessage", SpanKind.SERVER)
    assert parent_of(ask, spans) is tool
    assert parent_of(answer, spans) is ask
    assert (answer.attributes or {})[sc.GEN_AI_RESPONSE_MODEL] == "fake-model"
    assert {hex_trace(s) for s in (tool, ask, answer)} == {hex_trace(tool)}


async def test_federated_forward_chain(captured_spans: CapturedSpans) -> None:
    gateway = make_gateway(make_upstream())
    async with Client(gateway, mode="legacy") as client:
        result = await client.call_tool("forward_search", {"query": "otel"})
    assert not result.is_error
    spans = captured_spans.spans
    upstream = only(spans, "tools/call search", SpanKind.SERVER)
    forward = parent_of(upstream, spans)
    assert forward.name == "gateway.forward"
    fattrs = forward.attributes or {}
    assert fattrs[sc.PEER_SERVICE] == "upstream"
    assert fattrs[sc.RPC_METHOD] == "tools/call"
    assert fattrs[sc.JSONRPC_REQUEST_ID] == (upstream.attributes or {})[sc.JSONRPC_REQUEST_ID]
    request = parent_of(forward, spans)
    assert request.name == "gateway.request"
    gateway_server = parent_of(request, spans)
    assert gateway_server.name == "tools/call forward_search"
    assert parent_of(gateway_server, spans).name == "MCP send tools/call forward_search"
    assert not [s for s in spans if s.name == "MCP send tools/call search"]  # no duplicate
    assert len({hex_trace(s) for s in (upstream, forward, request, gateway_server)}) == 1


async def test_in_process_direct_dispatcher(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream()) as client:  # modern mode: no JSON-RPC framing
        result = await client.call_tool("add", {"a": 1, "b": 1})
    spans = captured_spans.spans
    server = only(spans, "tools/call add", SpanKind.SERVER)
    assert parent_of(server, spans).kind is SpanKind.CLIENT
    assert result.meta is not None and result.meta[TRACE_ID_META_KEY] == hex_trace(server)


async def test_metrics_recorded(captured_spans: CapturedSpans) -> None:
    async with Client(make_upstream(), mode="legacy") as client:
        await client.call_tool("add", {"a": 1, "b": 1})
    reader = captured_spans.telemetry.meter_provider._mcp_llm_trace_reader
    data = reader.get_metrics_data()
    names = {m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert {"mcp.server.operation.duration", "mcp.client.operation.duration"} <= names


async def test_uninstrument_restores_sdk(captured_spans: CapturedSpans) -> None:
    uninstrument_mcp()
    assert not is_instrumented()
    async with Client(make_upstream(), mode="legacy") as client:
        result = await client.call_tool("add", {"a": 1, "b": 1})
    assert not result.meta or TRACE_ID_META_KEY not in result.meta
    assert instrument_mcp() and is_instrumented()
