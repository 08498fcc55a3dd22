"""configure(): the Telemetry handle, idempotence, an existing SDK provider, disabled mode."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

import mcp_llm_trace as mlt
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.setup import Telemetry

FAST = {
    "batch_schedule_delay_s": "10ms",
    "metrics_exporter": "memory",
    "sampling_strategy": "always_on",
}


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


@pytest.fixture
def foreign_provider() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    """An application-owned SDK provider installed globally (restored afterwards)."""
    old_provider, old_once = trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE
    prev = mlt.get_telemetry()
    if prev is not None:
        prev.shutdown()
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
    app_exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "the-app"}))
    provider.add_span_processor(SimpleSpanProcessor(app_exporter))
    trace.set_tracer_provider(provider)
    try:
        yield provider, app_exporter
    finally:
        tel = mlt.get_telemetry()
        if tel is not None:
            tel.shutdown()
        trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = old_provider, old_once


class CountingExporter(SpanExporter):
    """A custom exporter that records every call (for 'nothing exported' checks)."""

    created = 0

    def __init__(self) -> None:
        CountingExporter.created += 1
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def _recording(obj: object) -> bool:
    # SpanHandle.is_recording is a property; an OTel span's is a method
    flag = getattr(obj, "is_recording", False)
    return bool(flag() if callable(flag) else flag)


def _memory(tel: Telemetry) -> InMemorySpanExporter:
    assert isinstance(tel.memory_exporter, InMemorySpanExporter)
    return tel.memory_exporter


# ------------------------------------------------------------------ the handle


def test_configure_returns_a_working_handle() -> None:
    before = mlt.get_telemetry()
    tel = mlt.configure(force=True, service_name="handle-test", traces_exporter="memory", **FAST)
    assert before is None or before is not tel
    assert isinstance(tel, Telemetry) and tel.enabled
    assert isinstance(tel.config, TelemetryConfig)
    assert tel.config.service_name == "handle-test"
    assert trace.get_tracer_provider() is tel.tracer_provider
    assert tel.meter_provider is not None
    exported_before = tel.stats()["exported"]

    with mlt.create_span("op"), mlt.get_tracer("mine").start_as_current_span("child"):
        pass
    assert tel.force_flush(5.0) is True
    spans = _memory(tel).get_finished_spans()
    assert sorted(s.name for s in spans) == ["child", "op"]
    assert spans[0].resource.attributes["service.name"] == "handle-test"

    stats = tel.stats()
    for key in ("exported", "spooled", "replayed", "dropped", "internal_errors", "queue_depth"):
        assert key in stats
    assert stats["exported"] - exported_before == 2
    assert stats["queue_depth"] == 0

    tel.shutdown()
    tel.shutdown()  # idempotent
    assert mlt.get_telemetry() is None
    with mlt.create_span("after-shutdown") as h:
        assert not h.is_recording


def test_second_configure_warns_and_returns_the_same_handle(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tel = mlt.configure(force=True, traces_exporter="memory", **FAST)
    with caplog.at_level(logging.WARNING, logger="mcp_llm_trace"):
        again = mlt.configure(service_name="ignored", traces_exporter="memory")
    assert again is tel
    assert tel.config.service_name != "ignored"
    assert any("already configured" in r.getMessage() for r in caplog.records)
    assert mlt.init_telemetry is mlt.configure  # the seed's name


def test_force_reconfigures_and_shuts_the_old_handle_down() -> None:
    old = mlt.configure(force=True, traces_exporter="memory", service_name="old", **FAST)
    new = mlt.configure(force=True, traces_exporter="memory", service_name="new", **FAST)
    assert new is not old
    assert mlt.get_telemetry() is new
    with mlt.create_span("x"):
        pass
    new.force_flush(5.0)
    assert [s.resource.attributes["service.name"] for s in _memory(new).get_finished_spans()] == [
        "new"
    ]
    assert _memory(old).get_finished_spans() == ()
    assert trace.get_tracer_provider() is new.tracer_provider


def test_context_manager_shuts_down() -> None:
    with mlt.configure(force=True, traces_exporter="memory", **FAST) as tel:
        assert mlt.get_telemetry() is tel
    assert mlt.get_telemetry() is None


def test_bad_kwarg_in_configure_raises() -> None:
    with pytest.raises(mlt.ConfigError, match="otlp_protocol"):
        mlt.configure(force=True, otlp_protocol="carrier-pigeon")


def test_unknown_exporter_is_a_config_error_in_code() -> None:
    with pytest.raises(mlt.ConfigError, match="unknown exporter 'nonesuch'") as err:
        mlt.configure(force=True, traces_exporter="nonesuch")
    assert "memory" in str(err.value)  # names the known ones


def test_resource_attributes_reach_spans() -> None:
    tel = mlt.configure(
        force=True,
        traces_exporter="memory",
        service_version="3.1",
        deployment_environment="prod",
        resource_attributes="region=eu,cluster=c1",
        **FAST,
    )
    with mlt.create_span("op"):
        pass
    tel.force_flush(5.0)
    res = _memory(tel).get_finished_spans()[0].resource.attributes
    assert res["service.version"] == "3.1"
    assert res["deployment.environment.name"] == "prod"
    assert (res["region"], res["cluster"]) == ("eu", "c1")


def test_span_attribute_length_limit_applies() -> None:
    tel = mlt.configure(
        force=True, traces_exporter="memory", span_attribute_value_length_limit=10, **FAST
    )
    with mlt.create_span("op", attributes={"long": "x" * 100}):
        pass
    tel.force_flush(5.0)
    assert _memory(tel).get_finished_spans()[0].attributes["long"] == "x" * 10


# ------------------------------------------------------------------ an existing provider


def test_existing_sdk_provider_is_kept_and_our_processors_attached(
    foreign_provider: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, app_exporter = foreign_provider
    tel = mlt.configure(force=True, traces_exporter="memory", **FAST)
    assert trace.get_tracer_provider() is provider
    assert tel.tracer_provider is provider
    assert tel.owns_provider is False

    app_tracer = provider.get_tracer("app")
    with mlt.using_attributes(user_id="u1", tenant_id="acme"):
        with app_tracer.start_as_current_span("app-span"), mlt.create_span("our-span"):
            pass
    tel.force_flush(5.0)
    ours = {s.name: s for s in _memory(tel).get_finished_spans()}
    theirs = {s.name: s for s in app_exporter.get_finished_spans()}
    assert set(ours) == set(theirs) == {"app-span", "our-span"}
    for span in ours.values():
        assert span.attributes["user.id"] == "u1"
        assert span.attributes["tenant.id"] == "acme"
        assert span.resource.attributes["service.name"] == "the-app"  # their resource

    tel.shutdown()
    with app_tracer.start_as_current_span("after"), mlt.using_attributes(user_id="u2"):
        pass
    names = [s.name for s in _memory(tel).get_finished_spans()]
    assert "after" not in names  # our exporter is detached at shutdown
    assert "after" in [s.name for s in app_exporter.get_finished_spans()]


def test_attribution_is_detached_from_a_foreign_provider_at_shutdown(
    foreign_provider: tuple[TracerProvider, InMemorySpanExporter],
) -> None:
    provider, app_exporter = foreign_provider
    for _ in range(3):
        mlt.configure(force=True, traces_exporter="memory", **FAST)
    mlt.get_telemetry().shutdown()  # type: ignore[union-attr]
    with mlt.using_attributes(user_id="u9"):
        with provider.get_tracer("app").start_as_current_span("plain"):
            pass
    span = app_exporter.get_finished_spans()[-1]
    assert "user.id" not in (span.attributes or {})
    assert len(provider._active_span_processor._span_processors) == 1


# ------------------------------------------------------------------ disabled


def _exercise_every_helper() -> list[object]:
    """Call the public helpers the way an application would; return what they gave."""
    out: list[object] = []

    @mlt.trace_operation("decorated")
    def decorated(x: int) -> int:
        return x + 1

    with mlt.using_attributes(user_id="u", tenant_id="t", session_id="s", metadata={"a": 1}):
        with mlt.llm_span(model="gpt-4o", provider="openai") as llm:
            llm.set_input([{"role": "user", "content": "hi"}])
            llm.set_output("hello")
            llm.set_usage(input_tokens=1, output_tokens=1)
            out.append(llm)
        with mlt.tool_span("search", arguments={"q": 1}) as tool:
            tool.set_output({"r": 2})
            mlt.set_attribute("k", "v")
            mlt.set_attributes({"k2": 2})
            mlt.add_event("ev")
            mlt.record_exception(ValueError("x"))
            mlt.record_retry(1, backoff_ms=5)
            mlt.record_cache("c", hit=True)
            out.append(tool)
        for maker in (
            lambda: mlt.create_span("c"),
            lambda: mlt.agent_span("a"),
            lambda: mlt.chain_span("ch"),
            lambda: mlt.retriever_span("q"),
            lambda: mlt.embedding_span("m", texts=["a"]),
            lambda: mlt.mcp_tool_call("t", arguments={}),
            lambda: mlt.db_span("SELECT", db_system="sqlite"),
            lambda: mlt.cache_span("c"),
            lambda: mlt.federation_forward("peer"),
        ):
            with maker() as handle:
                out.append(handle)
        assert decorated(1) == 2
        assert list(mlt.trace_stream(mlt.llm_span(model="m"), iter([1, 2]))) == [1, 2]
        headers = mlt.inject_context({})
        with mlt.use_context(mlt.extract_context(headers)):
            out.append(mlt.trace_id_headers())
            out.append(mlt.current_trace_id())
        tracer = mlt.get_tracer("x")
        with tracer.start_as_current_span("raw") as raw:
            out.append(raw)
    return out


@pytest.mark.parametrize("how", ["env", "kwarg"])
def test_disabled_starts_no_threads_and_exports_nothing(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mlt.ExporterRegistry.register("counting", lambda cfg: CountingExporter(), replace=True)
    created = CountingExporter.created
    if how == "env":
        monkeypatch.setenv("OTEL_ENABLE_OBSERVABILITY", "false")
        kwargs: dict[str, object] = {}
    else:
        kwargs = {"enabled": False}
    provider_before = trace.get_tracer_provider()
    threads_before = set(threading.enumerate())
    tel = mlt.configure(force=True, traces_exporter="counting", logs_enabled=True, **kwargs)
    results = _exercise_every_helper()
    assert tel.force_flush(1.0) is True
    tel.shutdown()
    new_threads = set(threading.enumerate()) - threads_before
    try:
        assert not tel.enabled
        assert not new_threads, [t.name for t in new_threads]
        assert CountingExporter.created == created  # never even built
        assert trace.get_tracer_provider() is provider_before
        assert all(not _recording(r) for r in results)
        assert {} in results and None in results  # trace_id_headers / current_trace_id
        assert tel.stats()["queue_depth"] == 0
    finally:
        mlt.ExporterRegistry.unregister("counting")
