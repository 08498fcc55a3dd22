"""using_attributes: attribution on every span, nesting, no leakage across tasks/threads."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans

pytestmark = pytest.mark.mcp_llm_trace(sanitize_pii=False)


def test_spans_inside_get_attribution(captured_spans: CapturedSpans) -> None:
    with mlt.using_attributes(
        user_id="u1", tenant_id="acme", session_id="s9", metadata={"plan": "pro"}, tags=["a"]
    ):
        with mlt.llm_span("gpt-4o"):
            pass
        # third-party spans (plain OTel tracer) are attributed too
        with mlt.get_tracer("other").start_as_current_span("foreign"):
            pass
    with mlt.tool_span("after"):
        pass
    for name in ("chat gpt-4o", "foreign"):
        a = captured_spans.attributes_of(name)
        assert a[sc.USER_ID] == "u1"
        assert a[sc.TENANT_ID] == "acme"
        assert a[sc.SESSION_ID] == "s9"
        assert a[sc.GEN_AI_CONVERSATION_ID] == "s9"
        assert json.loads(a[sc.METADATA]) == {"plan": "pro"}
        assert a[sc.TAG_TAGS] == ("a",)
    after = captured_spans.attributes_of("execute_tool after")
    assert sc.USER_ID not in after
    assert sc.TENANT_ID not in after


def test_nested_blocks_merge(captured_spans: CapturedSpans) -> None:
    with mlt.using_attributes(user_id="u1", tenant_id="acme", metadata={"a": 1}, tags=["x"]):
        with mlt.using_attributes(user_id="u2", metadata={"b": 2}, tags=["y"]):
            with mlt.create_span("inner"):
                pass
        with mlt.create_span("outer"):
            pass
    inner = captured_spans.attributes_of("inner")
    assert inner[sc.USER_ID] == "u2"  # inner wins
    assert inner[sc.TENANT_ID] == "acme"  # inherited
    assert json.loads(inner[sc.METADATA]) == {"a": 1, "b": 2}
    assert inner[sc.TAG_TAGS] == ("x", "y")
    outer = captured_spans.attributes_of("outer")
    assert outer[sc.USER_ID] == "u1"  # restored on exit
    assert json.loads(outer[sc.METADATA]) == {"a": 1}


def test_span_attribute_set_explicitly_wins(captured_spans: CapturedSpans) -> None:
    with (
        mlt.using_attributes(user_id="u1"),
        mlt.create_span("op", attributes={sc.USER_ID: "explicit"}),
    ):
        pass
    assert captured_spans.attributes_of("op")[sc.USER_ID] == "explicit"


async def test_asyncio_gather_tasks_do_not_leak(captured_spans: CapturedSpans) -> None:
    async def request(user: str, tenant: str) -> None:
        async with mlt.using_attributes(user_id=user, tenant_id=tenant):
            for i in range(3):
                await asyncio.sleep(0.001)  # interleave the tasks
                async with mlt.tool_span(f"{user}-{i}"):
                    await asyncio.sleep(0)

    await asyncio.gather(*(request(f"user{i}", f"t{i % 2}") for i in range(6)))
    spans = captured_spans.spans
    assert len(spans) == 18
    for s in spans:
        a = dict(s.attributes or {})
        user = s.name.removeprefix("execute_tool ").split("-")[0]
        assert a[sc.USER_ID] == user
        assert a[sc.TENANT_ID] == f"t{int(user.removeprefix('user')) % 2}"


async def test_task_started_inside_inherits_but_cannot_change_parent(
    captured_spans: CapturedSpans,
) -> None:
    async def child() -> None:
        async with mlt.using_attributes(user_id="child"):
            await asyncio.sleep(0)

    async with mlt.using_attributes(user_id="parent"):
        await asyncio.create_task(child())
        async with mlt.create_span("after-child"):
            pass
    assert captured_spans.attributes_of("after-child")[sc.USER_ID] == "parent"


def test_threads_do_not_leak(captured_spans: CapturedSpans) -> None:
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        with mlt.using_attributes(user_id=f"u{i}"):
            barrier.wait()  # all four blocks open at the same time
            with mlt.create_span(f"op{i}"):
                pass

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    with mlt.create_span("main"):
        pass
    for i in range(4):
        assert captured_spans.attributes_of(f"op{i}")[sc.USER_ID] == f"u{i}"
    assert sc.USER_ID not in captured_spans.attributes_of("main")


def test_baggage_carries_allow_listed_keys(captured_spans: CapturedSpans) -> None:
    with mlt.using_attributes(user_id="u1", tenant_id="acme", metadata={"secret": "x"}):
        headers = mlt.inject_context({})
    assert "user.id=u1" in headers.get("baggage", "")
    assert "tenant.id=acme" in headers["baggage"]
    assert "secret" not in headers["baggage"]


def test_incoming_baggage_attributes_spans_in_current_and_explicit_context(
    captured_spans: CapturedSpans,
) -> None:
    from opentelemetry import baggage
    from opentelemetry import context as otel_context

    ctx = baggage.set_baggage("user.id", "from-baggage", baggage.set_baggage("other", "no"))
    # An explicit parent context (what an instrumented server passes to start_span) …
    mlt.get_tracer("srv").start_span("explicit", context=ctx).end()
    # … and the current one.
    token = otel_context.attach(ctx)
    try:
        with mlt.create_span("current"):
            pass
    finally:
        otel_context.detach(token)
    with mlt.create_span("none"):
        pass
    for name in ("explicit", "current"):
        attrs = captured_spans.attributes_of(name)
        assert attrs[sc.USER_ID] == "from-baggage"
        assert "other" not in attrs
    assert sc.USER_ID not in captured_spans.attributes_of("none")
