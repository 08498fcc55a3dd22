"""Propagation: OTEL_PROPAGATORS formats, inject/extract/use_context, attribution as baggage."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context

import mcp_llm_trace as mlt
from mcp_llm_trace.setup import Telemetry

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT = "00f067aa0ba902b7"


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


def _configure(propagators: str | None = None, **kwargs: object) -> Telemetry:
    if propagators is not None:
        kwargs["propagators"] = propagators
    return mlt.configure(
        force=True,
        traces_exporter="memory",
        batch_schedule_delay_s="10ms",
        metrics_exporter="none",
        sampling_strategy="always_on",
        **kwargs,
    )


def _spans(tel: Telemetry) -> dict[str, object]:
    tel.force_flush(5.0)
    assert tel.memory_exporter is not None
    return {s.name: s for s in tel.memory_exporter.get_finished_spans()}


def _ids() -> tuple[str, str]:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


# ------------------------------------------------------------------ formats


def test_default_tracecontext_and_baggage_round_trip() -> None:
    tel = _configure()
    with mlt.create_span("client"), mlt.using_attributes(user_id="u1", tenant_id="acme"):
        trace_id, span_id = _ids()
        headers = mlt.inject_context({})
    version, tid, sid, flags = headers["traceparent"].split("-")
    assert (version, tid, sid) == ("00", trace_id, span_id)
    assert int(flags, 16) & 1  # sampled
    assert set(headers["baggage"].split(",")) == {"user.id=u1", "tenant.id=acme"}

    with mlt.use_context(mlt.extract_context(headers)), mlt.create_span("server"):
        remote_trace, _ = _ids()
    server = _spans(tel)["server"]
    assert remote_trace == trace_id
    assert server.parent is not None and format(server.parent.span_id, "016x") == span_id
    assert server.parent.is_remote


def test_b3_single_header() -> None:
    tel = _configure("b3")
    with mlt.create_span("client"):
        trace_id, span_id = _ids()
        headers = mlt.inject_context({})
    assert headers == {"b3": f"{trace_id}-{span_id}-1"}
    incoming = {"b3": f"{TRACE}-{PARENT}-1"}
    with mlt.use_context(mlt.extract_context(incoming)), mlt.create_span("server"):
        pass
    server = _spans(tel)["server"]
    assert format(server.context.trace_id, "032x") == TRACE
    assert format(server.parent.span_id, "016x") == PARENT


def test_b3multi_headers() -> None:
    tel = _configure("b3multi")
    with mlt.create_span("client"):
        trace_id, span_id = _ids()
        headers = mlt.inject_context({})
    assert headers["x-b3-traceid"] == trace_id
    assert headers["x-b3-spanid"] == span_id
    assert headers["x-b3-sampled"] == "1"
    assert "traceparent" not in headers
    # header names as an HTTP framework spells them: matched case-insensitively
    incoming = {"X-B3-TraceId": TRACE, "X-B3-SpanId": PARENT, "X-B3-Sampled": "1"}
    with mlt.use_context(mlt.extract_context(incoming)), mlt.create_span("server"):
        pass
    server = _spans(tel)["server"]
    assert format(server.context.trace_id, "032x") == TRACE


def test_several_propagators_at_once() -> None:
    _configure("tracecontext,baggage,b3multi")
    with mlt.create_span("x"), mlt.using_attributes(user_id="u"):
        headers = mlt.inject_context({})
    assert {"traceparent", "baggage", "x-b3-traceid", "x-b3-spanid"} <= set(headers)


def test_propagators_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PROPAGATORS", "b3")
    _configure()
    with mlt.create_span("x"):
        assert set(mlt.inject_context({})) == {"b3"}


def test_propagators_none_injects_nothing() -> None:
    _configure("none")
    with mlt.create_span("x"), mlt.using_attributes(user_id="u"):
        assert mlt.inject_context({}) == {}


# ------------------------------------------------------------------ helpers


def test_inject_into_an_existing_carrier_and_explicit_context() -> None:
    _configure()
    with mlt.create_span("x"):
        ctx = otel_context.get_current()
        trace_id, _ = _ids()
    carrier = {"content-type": "application/json"}
    out = mlt.inject_context(carrier, context=ctx)  # outside the span, explicit context
    assert out is carrier
    assert carrier["content-type"] == "application/json"
    assert trace_id in carrier["traceparent"]


def test_use_context_restores_the_previous_context() -> None:
    _configure()
    ctx = mlt.extract_context({"traceparent": f"00-{TRACE}-{PARENT}-01"})
    assert mlt.current_trace_id() is None
    with mlt.use_context(ctx) as used:
        assert used is ctx
        assert mlt.current_trace_id() == TRACE
    assert mlt.current_trace_id() is None


def test_extract_matches_header_names_case_insensitively() -> None:
    _configure()
    ctx = mlt.extract_context({"Traceparent": f"00-{TRACE}-{PARENT}-01", "Baggage": "user.id=u"})
    with mlt.use_context(ctx):
        assert mlt.current_trace_id() == TRACE
        assert baggage.get_baggage("user.id") == "u"


def test_extract_from_garbage_gives_a_new_root() -> None:
    tel = _configure()
    with mlt.use_context(mlt.extract_context({"traceparent": "nonsense"})):
        with mlt.create_span("root"):
            pass
    assert _spans(tel)["root"].parent is None


def test_trace_id_headers() -> None:
    _configure()
    assert mlt.trace_id_headers() == {}
    with mlt.create_span("req"):
        trace_id, _ = _ids()
        headers = mlt.trace_id_headers()
    assert list(headers.values()) == [trace_id]
    assert list(headers) == ["X-Trace-Id"]


# ------------------------------------------------------------------ attribution via baggage


def test_attribution_travels_as_baggage_and_comes_back_as_attributes() -> None:
    tel = _configure()
    with mlt.using_attributes(
        user_id="u1", tenant_id="acme", session_id="s1", metadata={"plan": "pro"}
    ):
        with mlt.create_span("gateway"):
            headers = mlt.inject_context({})
    # the "remote" side: no using_attributes, only the incoming headers (+ foreign baggage)
    headers["baggage"] += ",secret.token=abc,plan=pro"
    with mlt.use_context(mlt.extract_context(headers)), mlt.create_span("peer"):
        with mlt.create_span("peer-child"):
            pass
    spans = _spans(tel)
    for name in ("peer", "peer-child"):
        attrs = spans[name].attributes
        assert attrs["user.id"] == "u1"
        assert attrs["tenant.id"] == "acme"
        assert attrs["session.id"] == "s1"
        assert "secret.token" not in attrs  # arbitrary baggage is never copied
        assert "plan" not in attrs
        assert "metadata" not in attrs  # metadata stays local
    assert spans["gateway"].attributes["metadata"] == '{"plan":"pro"}'


def test_baggage_allow_list_is_configurable() -> None:
    tel = _configure(attribution_baggage_keys="tenant.id")
    ctx = otel_context.get_current()
    ctx = baggage.set_baggage("tenant.id", "t1", ctx)
    ctx = baggage.set_baggage("user.id", "u1", ctx)
    with mlt.use_context(ctx), mlt.create_span("s"):
        pass
    attrs = _spans(tel)["s"].attributes
    assert attrs["tenant.id"] == "t1"
    assert "user.id" not in attrs


def test_using_attributes_nests_and_isolates_tasks() -> None:
    tel = _configure()

    async def work(user: str) -> None:
        async with mlt.using_attributes(user_id=user, tags=[user]):
            await asyncio.sleep(0.01)
            with mlt.create_span(f"task-{user}"):
                pass

    async def main() -> None:
        await asyncio.gather(work("a"), work("b"))

    with mlt.using_attributes(tenant_id="t", tags=["outer"]):
        asyncio.run(main())
        with mlt.using_attributes(user_id="inner", metadata={"k": 1}):
            with mlt.using_attributes(metadata={"j": 2}), mlt.create_span("nested"):
                pass
    with mlt.create_span("outside"):
        pass
    spans = _spans(tel)
    assert spans["task-a"].attributes["user.id"] == "a"
    assert spans["task-b"].attributes["user.id"] == "b"
    assert spans["task-a"].attributes["tenant.id"] == "t"
    assert list(spans["task-a"].attributes["tag.tags"]) == ["outer", "a"]
    assert spans["nested"].attributes["metadata"] == '{"k":1,"j":2}'
    assert "user.id" not in spans["outside"].attributes
    assert mlt.using_attributes is not None and not baggage.get_all()
