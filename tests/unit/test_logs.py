"""Log correlation (trace_id/span_id on records) and OTel log export."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace

import mcp_llm_trace as mlt
from mcp_llm_trace.logs import CORRELATED_FORMAT, TraceContextFilter, install_log_correlation


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app_log() -> Iterator[tuple[logging.Logger, ListHandler]]:
    log = logging.getLogger("the_app")
    handler = ListHandler()
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield log, handler
    finally:
        log.removeHandler(handler)


def _hex_ids() -> tuple[str, str]:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def test_records_carry_ids_inside_a_span_and_empty_outside(
    app_log: tuple[logging.Logger, ListHandler],
) -> None:
    log, handler = app_log
    factory_before = logging.getLogRecordFactory()
    tel = mlt.configure(force=True, traces_exporter="memory", metrics_exporter="none")
    with mlt.create_span("req"):
        ids = _hex_ids()
        log.info("inside")
    log.info("outside")
    inside, outside = handler.records
    assert (inside.trace_id, inside.span_id) == ids  # type: ignore[attr-defined]
    assert inside.trace_flags & 1  # type: ignore[attr-defined]  # sampled bit
    assert (outside.trace_id, outside.span_id) == ("", "")  # type: ignore[attr-defined]
    formatted = logging.Formatter(CORRELATED_FORMAT).format(inside)
    assert f"trace_id={ids[0]} span_id={ids[1]}" in formatted
    tel.shutdown()
    assert logging.getLogRecordFactory() is factory_before  # undone at shutdown


def test_correlation_can_be_switched_off(app_log: tuple[logging.Logger, ListHandler]) -> None:
    log, handler = app_log
    mlt.configure(
        force=True, traces_exporter="memory", metrics_exporter="none", logs_correlation=False
    )
    with mlt.create_span("req"):
        log.info("x")
    assert not hasattr(handler.records[0], "trace_id")


def test_filter_and_undo_without_configure(app_log: tuple[logging.Logger, ListHandler]) -> None:
    log, handler = app_log
    handler.addFilter(TraceContextFilter())
    log.info("no span")
    assert handler.records[-1].trace_id == ""  # type: ignore[attr-defined]
    undo = install_log_correlation()
    undo()
    undo()  # twice is harmless


def test_otel_log_export_to_memory(app_log: tuple[logging.Logger, ListHandler]) -> None:
    log, _ = app_log
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    tel = mlt.configure(
        force=True,
        traces_exporter="memory",
        metrics_exporter="none",
        logs_enabled=True,
        logs_exporter="memory",
        service_name="log-svc",
    )
    exporter = tel.logger_provider._mcp_llm_trace_exporter
    with mlt.create_span("req"):
        trace_id, span_id = _hex_ids()
        log.warning("something %s", "happened")
    log.info("no span")
    tel.force_flush(5.0)
    logs = exporter.get_finished_logs()
    by_body = {str(item.log_record.body): item.log_record for item in logs}
    resources = {str(item.log_record.body): item.resource for item in logs}
    record = by_body["something happened"]
    assert format(record.trace_id, "032x") == trace_id
    assert format(record.span_id, "016x") == span_id
    assert resources["something happened"].attributes["service.name"] == "log-svc"
    assert by_body["no span"].trace_id == 0
    tel.shutdown()
    assert root.handlers == handlers_before  # the export handler is removed again


def test_logs_disabled_by_default_installs_no_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    tel = mlt.configure(force=True, traces_exporter="memory", metrics_exporter="none")
    assert tel.logger_provider is None
    assert root.handlers == before
