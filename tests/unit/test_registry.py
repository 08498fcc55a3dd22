"""ExporterRegistry: built-ins, register/replace/unregister, entry points, memory/none/console."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

import mcp_llm_trace as mlt
from mcp_llm_trace._internal.errors import lenient
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.export.registry import ENTRY_POINT_GROUP, ExporterRegistry

FAST = {"batch_schedule_delay_s": "10ms", "metrics_exporter": "none"}


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


class ListExporter(SpanExporter):
    """A user's custom exporter."""

    def __init__(self, cfg: TelemetryConfig) -> None:
        self.service = cfg.service_name
        self.spans: list[ReadableSpan] = []

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans.extend(spans)
        return SpanExportResult.SUCCESS


def test_builtins_are_registered() -> None:
    assert {"otlp", "jaeger", "phoenix", "zipkin", "console", "file", "memory"} <= set(
        ExporterRegistry.names()
    )


def test_custom_exporter_via_register() -> None:
    made: list[ListExporter] = []

    def factory(cfg: TelemetryConfig) -> SpanExporter:
        made.append(ListExporter(cfg))
        return made[-1]

    ExporterRegistry.register("My-List", factory)
    try:
        with pytest.raises(ValueError, match="already registered"):
            ExporterRegistry.register("my-list", factory)
        tel = mlt.configure(
            force=True, traces_exporter="my-list,memory", service_name="svc", **FAST
        )
        with mlt.create_span("custom"):
            pass
        # ListExporter inherits the SDK's force_flush (returns None): still a success
        assert tel.force_flush(5.0) is True
        assert [s.name for s in made[0].spans] == ["custom"]
        assert made[0].service == "svc"  # the factory got the effective config
        assert tel.memory_exporter is not None
        assert [s.name for s in tel.memory_exporter.get_finished_spans()] == ["custom"]
        ExporterRegistry.register("my-list", ListExporter, replace=True)
        assert ExporterRegistry.get("MY-LIST") is not factory
    finally:
        ExporterRegistry.unregister("my-list")
    assert ExporterRegistry.get("my-list") is None
    ExporterRegistry.unregister("my-list")  # absent: no error


def test_register_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        ExporterRegistry.register(" ", ListExporter)
    with pytest.raises(ValueError):
        ExporterRegistry.register("x", "not callable")  # type: ignore[arg-type]


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real installed-distribution layout declaring exporters as entry points."""
    (tmp_path / "mlt_plugin_mod.py").write_text(
        "from opentelemetry.sdk.trace.export.in_memory_span_exporter import "
        "InMemorySpanExporter\n"
        "LAST = []\n"
        "def factory(cfg):\n"
        "    LAST.append(InMemorySpanExporter())\n"
        "    return LAST[-1]\n",
        encoding="utf-8",
    )
    dist = tmp_path / "mlt_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: mlt-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "plugin-exp = mlt_plugin_mod:factory\n"
        "broken-exp = mlt_plugin_mod_missing:factory\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(ExporterRegistry, "_entry_points_loaded", False)
    yield tmp_path
    for name in ("plugin-exp", "broken-exp"):
        ExporterRegistry.unregister(name)
    sys.modules.pop("mlt_plugin_mod", None)


def test_entry_point_exporter_is_found_lazily(
    plugin_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        tel = mlt.configure(force=True, traces_exporter="plugin-exp", **FAST)
    import mlt_plugin_mod  # type: ignore[import-not-found]

    with mlt.create_span("via-plugin"):
        pass
    tel.force_flush(5.0)
    assert [s.name for s in mlt_plugin_mod.LAST[-1].get_finished_spans()] == ["via-plugin"]
    # a plugin that fails to import is reported, never fatal
    assert any("broken-exp" in r.getMessage() for r in caplog.records)
    assert "plugin-exp" in ExporterRegistry.names()


def test_registered_name_wins_over_an_entry_point(plugin_dir: Path) -> None:
    ExporterRegistry.register("plugin-exp", ListExporter)
    exporter = ExporterRegistry.create("plugin-exp", TelemetryConfig())
    assert isinstance(exporter, ListExporter)


def test_unknown_exporter() -> None:
    with pytest.raises(KeyError, match="unknown exporter 'nope'"):
        ExporterRegistry.create("nope", TelemetryConfig())
    with pytest.raises(mlt.ConfigError, match="nope"):
        mlt.configure(force=True, traces_exporter="nope")


def test_memory_exporter() -> None:
    tel = mlt.configure(force=True, traces_exporter="inmemory", **FAST)  # alias
    with mlt.create_span("m"):
        pass
    tel.force_flush(5.0)
    assert tel.memory_exporter is not None
    assert [s.name for s in tel.memory_exporter.get_finished_spans()] == ["m"]


def test_none_exporter_builds_no_export_thread() -> None:
    before = {t.name for t in threading.enumerate()}
    tel = mlt.configure(force=True, traces_exporter="none", **FAST)
    with mlt.create_span("n"):
        pass
    assert tel.processor is None
    assert tel.force_flush(1.0)
    started = {t.name for t in threading.enumerate()} - before
    assert not any("export" in name for name in started)


def test_console_exporter_prints_spans(capsys: pytest.CaptureFixture[str]) -> None:
    tel = mlt.configure(force=True, traces_exporter="console", service_name="console-svc", **FAST)
    with mlt.create_span("printed-span", attributes={"k": "v"}):
        pass
    tel.force_flush(5.0)
    out = capsys.readouterr().out
    assert '"name": "printed-span"' in out
    assert '"k": "v"' in out
    assert "console-svc" in out


def test_unknown_exporter_from_the_environment_warns_and_never_crashes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "no-such-exporter,memory")
    with caplog.at_level(logging.WARNING):
        tel = mlt.configure(force=True)
    try:
        assert tel.config.traces_exporter == ("memory",)
        assert any("no-such-exporter" in r.getMessage() for r in caplog.records)
    finally:
        tel.shutdown()


def test_exporter_whose_factory_fails_is_skipped_not_fatal() -> None:
    def broken(cfg: object) -> SpanExporter:
        raise RuntimeError("cannot open certificate file")

    ExporterRegistry.register("broken-factory", broken, replace=True)
    try:
        with lenient():
            tel = mlt.configure(force=True, traces_exporter="broken-factory,memory")
        with mlt.create_span("still-works"):
            pass
        tel.force_flush(5.0)
        assert [s.name for s in tel.memory_exporter.get_finished_spans()] == ["still-works"]
        tel.shutdown()
    finally:
        ExporterRegistry.unregister("broken-factory")
