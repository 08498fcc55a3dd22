"""DiskSpool: atomic files, size cap with counted eviction, claims, quarantine; decoding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.export._decode import decode_spans
from mcp_llm_trace.export.spool import DiskSpool


def make_spans(n: int, prefix: str = "s") -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "spool-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("spool", "1.2")
    with tracer.start_as_current_span("root", kind=SpanKind.SERVER) as root:
        for i in range(n - 1):
            with tracer.start_as_current_span(
                f"{prefix}{i}",
                attributes={"i": i, "tags": ["a", "b"], "f": 0.5, "ok": True},
                links=[Link(root.get_span_context(), {"why": "test"})],
            ) as s:
                s.add_event("e", {"k": "v"})
                s.set_status(Status(StatusCode.ERROR, "bad"))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def payload(n: int) -> bytes:
    return encode_spans(make_spans(n)).SerializeToString()


def test_write_claim_ack_oldest_first(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=10_000_000)
    first, second = payload(2), payload(3)
    assert spool.write(first, 2)
    assert spool.write(second, 3)
    assert spool.pending_spans() == 5
    assert not list(tmp_path.glob(".tmp-*"))
    batch = spool.claim_oldest()
    assert batch is not None
    assert batch.payload == first
    assert batch.span_count == 2
    assert spool.pending_spans() == 3  # claimed files are not pending
    spool.ack(batch)
    nxt = spool.claim_oldest()
    assert nxt is not None
    assert nxt.payload == second
    spool.nack(nxt)
    again = spool.claim_oldest()
    assert again is not None
    assert again.attempts == 1
    spool.ack(again)
    assert spool.claim_oldest() is None


def test_cap_evicts_oldest_and_counts(tmp_path: Path) -> None:
    one = payload(4)
    spool = DiskSpool(tmp_path, max_bytes=len(one) * 3 + 10)
    before = STATS.snapshot()["dropped"].get("spool_full", 0)
    for _ in range(5):
        assert spool.write(one, 4)
    assert spool.size_bytes() <= spool.max_bytes
    assert len(spool.pending_files()) == 3
    assert STATS.snapshot()["dropped"]["spool_full"] - before == 8
    # A batch larger than the whole cap is refused and counted.
    assert not DiskSpool(tmp_path / "small", max_bytes=10).write(one, 4)
    assert STATS.snapshot()["dropped"]["spool_full"] - before == 12


def test_corrupt_file_is_quarantined_and_counted(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=10_000_000)
    spool.write(payload(2), 2)
    (path,) = spool.pending_files()
    path.write_bytes(b"garbage" + path.read_bytes()[7:])
    before = STATS.snapshot()["dropped"].get("spool_corrupt", 0)
    assert spool.claim_oldest() is None
    assert len(list(tmp_path.glob("*.corrupt"))) == 1
    assert STATS.snapshot()["dropped"]["spool_corrupt"] - before == 2


def test_poison_batch_is_given_up_after_max_attempts(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=10_000_000, max_attempts=3)
    spool.write(payload(2), 2)
    before = STATS.snapshot()["dropped"].get("export_failed", 0)
    for _ in range(3):
        batch = spool.claim_oldest()
        assert batch is not None
        spool.nack(batch)
    assert spool.claim_oldest() is None
    assert STATS.snapshot()["dropped"]["export_failed"] - before == 2


def test_claims_of_dead_processes_are_released(tmp_path: Path) -> None:
    spool = DiskSpool(tmp_path, max_bytes=10_000_000)
    spool.write(payload(2), 2)
    (path,) = spool.pending_files()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    os.rename(path, f"{path}.claimed-{int(dead.stdout)}")
    alive = DiskSpool(tmp_path, max_bytes=10_000_000)  # start-up releases it
    assert alive.pending_spans() == 2


def test_decode_round_trip_is_lossless_for_exported_fields(tmp_path: Path) -> None:
    spans = make_spans(3)
    raw = encode_spans(spans).SerializeToString()
    decoded = decode_spans(raw)
    assert encode_spans(decoded).SerializeToString() == raw
    by_name = {s.name: s for s in decoded}
    child = by_name["s0"]
    assert child.parent is not None
    assert child.parent.span_id == by_name["root"].context.span_id
    assert child.kind is SpanKind.INTERNAL
    assert by_name["root"].kind is SpanKind.SERVER
    assert child.status.status_code is StatusCode.ERROR
    assert child.resource.attributes["service.name"] == "spool-test"
    assert child.instrumentation_scope is not None
    assert child.instrumentation_scope.version == "1.2"


def test_outage_failures_do_not_count_towards_giving_up(tmp_path: Path) -> None:
    # Issue 17: with probes every second, a 30 s outage used to exhaust max_attempts.
    before = dict(STATS.snapshot()["dropped"])
    spool = DiskSpool(tmp_path, max_bytes=1 << 20, max_attempts=2)
    spool.write(payload(3), 3)
    for _ in range(5):
        batch = spool.claim_oldest()
        assert batch is not None
        spool.nack(batch, count_attempt=False)
    assert spool.pending_spans() == 3
    assert STATS.snapshot()["dropped"] == before


def test_a_hanging_request_does_not_hold_the_export_thread(tmp_path: Path) -> None:
    # Issue 17: a receiver that accepts and never answers used to hold the export thread
    # for a whole request timeout while the in-memory queue filled up (queue_full drops).
    # With a spool the thread waits SEND_HOLD_S, then the next batches go to the spool.
    import threading
    import time
    from collections.abc import Sequence

    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    from mcp_llm_trace.config import ExportConfig, TelemetryConfig
    from mcp_llm_trace.export import resilience
    from mcp_llm_trace.export.resilience import ResilientExporter

    class Hanging(SpanExporter):
        def __init__(self) -> None:
            self.gate = threading.Event()
            self.calls = 0

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            self.calls += 1
            self.gate.wait(10)
            return SpanExportResult.FAILURE  # the request finally times out

    inner = Hanging()
    cfg = TelemetryConfig(export=ExportConfig(spool_dir=str(tmp_path)))
    exp = ResilientExporter(inner, cfg, name="hang")
    spooled0 = STATS.snapshot().get("spooled", 0)
    t0 = time.monotonic()
    exp.export(make_spans(4, "a"))  # hangs: handed to the background sender
    held = time.monotonic() - t0
    assert resilience.SEND_HOLD_S * 0.9 <= held < resilience.SEND_HOLD_S + 1.0
    t1 = time.monotonic()
    exp.export(make_spans(5, "b"))  # straight to the spool, no network call
    assert time.monotonic() - t1 < 0.5
    assert inner.calls == 1
    inner.gate.set()  # the hanging request fails: its batch is spooled too
    deadline = time.monotonic() + 5
    while STATS.snapshot().get("spooled", 0) - spooled0 < 9 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert STATS.snapshot().get("spooled", 0) - spooled0 == 9
    assert exp.spool is not None and exp.spool.pending_spans() == 9
    exp._closing.set()  # no replay against the dead destination in this test
    exp.exporter.shutdown()
