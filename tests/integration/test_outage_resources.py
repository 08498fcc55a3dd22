"""Fork safety and bounded memory of the export path under a dead destination."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import psutil
import pytest
from opentelemetry.sdk.trace import TracerProvider
from tests.support.receivers import OTLPHTTPReceiver, free_port

from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.config import load_config
from mcp_llm_trace.export.batch import BatchExportProcessor
from mcp_llm_trace.export.otlp import build_otlp_exporter
from mcp_llm_trace.export.pipeline import FanoutExporter
from mcp_llm_trace.export.resilience import ResilientExporter

pytestmark = pytest.mark.integration


def build(
    endpoint: str, spool: Path | None, **batch: float
) -> tuple[TracerProvider, BatchExportProcessor]:
    kwargs: dict[str, object] = {
        "otlp_endpoint": endpoint,
        "otlp_timeout_s": "1s",
        "export_breaker_failure_threshold": 2,
        "export_breaker_reset_timeout_s": 0.5,
    }
    if spool is not None:
        kwargs["export_spool_dir"] = str(spool)
    cfg = load_config(**kwargs)  # type: ignore[arg-type]
    processor = BatchExportProcessor(
        FanoutExporter([ResilientExporter(build_otlp_exporter(cfg), cfg)]),
        max_queue_size=int(batch.get("queue", 2048)),
        max_export_batch_size=512,
        schedule_delay_s=0.05,
    )
    provider = TracerProvider()
    provider.add_span_processor(processor)
    return provider, processor


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_child_after_fork_exports_its_own_spans_once(tmp_path: Path) -> None:
    with OTLPHTTPReceiver() as rx:
        provider, processor = build(rx.base_url, tmp_path)
        tracer = provider.get_tracer("fork")
        with tracer.start_as_current_span("parent-before-fork"):
            pass
        assert processor.force_flush(5000)
        rx.wait_for(1)
        with tracer.start_as_current_span("queued-in-parent"):
            pass  # still queued at fork time: must not be exported twice
        pid = os.fork()
        if pid == 0:  # gunicorn-style worker
            code = 1
            try:
                for i in range(5):
                    with tracer.start_as_current_span(f"child-{i}"):
                        pass
                code = 0 if processor.force_flush(5000) else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert processor.force_flush(5000)
        spans = rx.wait_for(7)
        names = sorted(s["name"] for s in spans)
        assert names == sorted(
            ["parent-before-fork", "queued-in-parent", *(f"child-{i}" for i in range(5))]
        )
        provider.shutdown()


@pytest.mark.slow
def test_memory_stays_bounded_with_a_dead_exporter() -> None:
    """100k spans into a dead endpoint without spool: queue bound holds, drops counted."""
    STATS.reset()
    provider, processor = build(f"http://127.0.0.1:{free_port()}", None)
    tracer = provider.get_tracer("rss")
    proc = psutil.Process()
    for _ in range(2000):  # warm-up: imports, pools, first exports
        with tracer.start_as_current_span("warm", attributes={"k": "v" * 64}):
            pass
    gc.collect()
    before = proc.memory_info().rss
    for i in range(100_000):
        with tracer.start_as_current_span("op", attributes={"i": i, "k": "v" * 64}):
            pass
    gc.collect()
    growth_mb = (proc.memory_info().rss - before) / 2**20
    snap = STATS.snapshot()
    lost = sum(snap["dropped"].values())
    print(f"\nRSS growth after 100k spans into a dead exporter: {growth_mb:.1f} MiB; {snap}")
    assert processor.queue_depth <= 2048
    assert lost >= 100_000 - 2048 - 2000
    assert growth_mb < 64
    provider.shutdown()
