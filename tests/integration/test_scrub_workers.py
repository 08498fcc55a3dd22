"""Scrub worker processes (``privacy.workers``): real worker processes, real Presidio.

What a user relies on: with workers on, every exported span is byte-for-byte the span the
export thread alone would have produced (same redactions, same pseudonyms, same audit
attributes); a worker that dies or hangs costs time, never a span or a leak; shutdown
stops the processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace._settings import ConfigError
from mcp_llm_trace.config import PrivacyConfig, TelemetryConfig, load_config
from mcp_llm_trace.privacy import workers as workers_mod
from mcp_llm_trace.privacy.transform import ScrubTransform
from mcp_llm_trace.privacy.workers import ScrubWorkers

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "corpus.jsonl"


def _corpus_texts() -> list[str]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def _make_spans(texts: list[str], per_span: int = 4) -> list[ReadableSpan]:
    """Spans carrying ``texts`` everywhere the transform looks: string and list
    attributes, JSON documents, span names, events and status descriptions."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for i in range(0, len(texts), per_span):
        chunk = texts[i : i + per_span]
        name = chunk[0][:40] if i % 3 == 0 else "chat gpt-4o"
        with tracer.start_as_current_span(name) as span:
            span.set_attribute("input.value", json.dumps([{"role": "user", "content": chunk[0]}]))
            span.set_attribute("llm.output_messages.0.message.content", chunk[-1])
            span.set_attribute("tool.arguments", list(chunk))
            span.set_attribute("gen_ai.request.model", "gpt-4o")
            span.set_attribute("http.request.header.authorization", "Bearer abcdef123456")
            span.add_event("exception", {"exception.message": chunk[len(chunk) // 2]})
            if i % 2:
                span.set_status(Status(StatusCode.ERROR, chunk[0]))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def _view(span: ReadableSpan) -> tuple[Any, ...]:
    return (
        span.name,
        dict(span.attributes or {}),
        [(ev.name, dict(ev.attributes or {})) for ev in span.events],
        span.status.description,
    )


@contextlib.contextmanager
def _one_worker(privacy: PrivacyConfig) -> Iterator[tuple[ScrubTransform, ScrubWorkers]]:
    """A transform for ``privacy`` (``workers=1``) whose worker has built its engine;
    shut down (worker stopped) afterwards."""
    transform = ScrubTransform(TelemetryConfig(privacy=privacy))
    pool = transform.workers
    assert pool is not None
    try:
        assert pool.wait_ready(120) == 1
        yield transform, pool
    finally:
        transform.shutdown()


@pytest.fixture(scope="module")
def corpus_spans() -> list[ReadableSpan]:
    return _make_spans(_corpus_texts())


@pytest.fixture
def transform_pair() -> Iterator[tuple[ScrubTransform, ScrubTransform]]:
    """(with 1 worker, export thread only): same settings, pseudonyms without a secret."""
    privacy = PrivacyConfig(sanitize_pii=True, pseudonymize=True, workers=1)
    with_workers = ScrubTransform(TelemetryConfig(privacy=privacy))
    assert with_workers.workers is not None
    assert with_workers.workers.wait_ready(120) == 1
    # The reference shares the worker-side key (a random per-process one here).
    reference_privacy = PrivacyConfig(
        sanitize_pii=True,
        pseudonymize=True,
        pseudonym_secret=with_workers.scrubber.pseudonym_key(),
    )
    reference = ScrubTransform(TelemetryConfig(privacy=reference_privacy))
    try:
        yield with_workers, reference
    finally:
        with_workers.shutdown()


def test_workers_export_the_same_spans_as_the_export_thread(
    transform_pair: tuple[ScrubTransform, ScrubTransform], corpus_spans: list[ReadableSpan]
) -> None:
    with_workers, reference = transform_pair
    assert with_workers.workers is not None
    got = with_workers.transform(corpus_spans)
    want = reference.transform(corpus_spans)
    assert [_view(s) for s in got] == [_view(s) for s in want]
    # The workers did most of the work, and it found things.
    assert with_workers.workers.scrubbed_by_workers > len(corpus_spans)
    assert sum((s.attributes or {}).get(semconv.SCRUB_REDACTIONS, 0) for s in got) > 200
    # Pseudonyms, not labels, and the sensitive header masked whole.
    assert any("<EMAIL_" in str(_view(s)) for s in got)
    assert all(
        (s.attributes or {})["http.request.header.authorization"] != "Bearer abcdef123456"
        for s in got
    )


def test_a_killed_worker_loses_no_span_and_is_replaced(
    transform_pair: tuple[ScrubTransform, ScrubTransform],
    corpus_spans: list[ReadableSpan],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_workers, reference = transform_pair
    pool = with_workers.workers
    assert pool is not None
    monkeypatch.setattr(workers_mod, "RESTART_BACKOFF_S", 0.0)
    first = pool._workers[0].proc
    failures = STATS.get(workers_mod.WORKER_FAILURES)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    half = corpus_spans[: len(corpus_spans) // 2]
    got = with_workers.transform(half)
    assert [_view(s) for s in got] == [_view(s) for s in reference.transform(half)]
    assert STATS.get(workers_mod.WORKER_FAILURES) == failures + 1
    # A new process takes over and scrubs the next batch.
    assert pool.wait_ready(120) == 1
    assert pool._workers[0].proc.pid != first.pid
    before = pool.scrubbed_by_workers
    rest = corpus_spans[len(corpus_spans) // 2 :]
    got = with_workers.transform(rest)
    assert [_view(s) for s in got] == [_view(s) for s in reference.transform(rest)]
    assert pool.scrubbed_by_workers > before


def test_a_hung_worker_is_killed_and_its_share_scrubbed_here(
    corpus_spans: list[ReadableSpan], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers_mod, "ANSWER_SLACK_S", 0.2)
    privacy = PrivacyConfig(sanitize_pii=True, workers=1, time_budget_ms=200.0)
    reference = ScrubTransform(TelemetryConfig(privacy=PrivacyConfig(sanitize_pii=True)))
    with _one_worker(privacy) as (transform, pool):
        stuck = pool._workers[0].proc
        os.kill(stuck.pid, signal.SIGSTOP)
        failures = STATS.get(workers_mod.WORKER_FAILURES)
        batch = corpus_spans[:4]  # a budget of 4 × 200 ms, then 0.2 s of slack
        t0 = time.monotonic()
        got = transform.transform(batch)
        waited = time.monotonic() - t0
        assert [_view(s) for s in got] == [_view(s) for s in reference.transform(batch)]
        assert STATS.get(workers_mod.WORKER_FAILURES) == failures + 1
        assert stuck.poll() is not None  # killed, not left stopped
        assert waited < 10
        assert not any(semconv.SCRUB_FAILED in (s.attributes or {}) for s in got)


def test_configured_workers_scrub_exported_spans_and_stop_at_shutdown() -> None:
    tel = mlt.configure(
        force=True,
        traces_exporter="memory",
        metrics_exporter="none",
        capture_content=True,
        privacy_workers=2,
        logs_correlation=False,
    )
    try:
        transform = next(
            t for t in tel.processor.exporter.transforms if isinstance(t, ScrubTransform)
        )
        pool = transform.workers
        assert pool is not None and pool.wait_ready(120) == 2
        procs = [w.proc for w in pool._workers]
        for proc in procs:  # no telemetry of their own
            environ = Path(f"/proc/{proc.pid}/environ")
            if environ.exists():
                assert b"OTEL_SDK_DISABLED=true" in environ.read_bytes().split(b"\0")
        for i in range(50):
            with mlt.llm_span("gpt-4o", provider="openai") as span:
                span.set_input([{"role": "user", "content": f"mail me: user{i}@example.com"}])
                span.set_output(f"Sure, I wrote to user{i}@example.com.")
        tel.force_flush()
        assert tel.memory_exporter is not None
        spans = tel.memory_exporter.get_finished_spans()
        assert len(spans) == 50
        text = json.dumps([dict(s.attributes or {}) for s in spans])
        assert "@example.com" not in text
        assert text.count("[EMAIL]") >= 100
        assert pool.scrubbed_by_workers > 0
    finally:
        tel.shutdown()
    for proc in procs:
        proc.wait(10)
        assert proc.returncode is not None


def test_a_forked_child_starts_its_own_workers() -> None:
    with _one_worker(PrivacyConfig(sanitize_pii=True, workers=1)) as (_, pool):
        parents = pool._workers[0]
        pool._pid = -1  # as seen from a child forked after the workers started
        assert pool.wait_ready(120) == 1
        assert pool._workers[0] is not parents
        assert parents.proc.poll() is None  # the parent's worker is not the child's to kill
        parents.kill()


def test_workers_setting_from_env_yaml_and_bad_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MCP_LLM_TRACE_PII_WORKERS", "2")
    assert load_config().privacy.workers == 2
    monkeypatch.delenv("MCP_LLM_TRACE_PII_WORKERS")
    path = tmp_path / "observability.yaml"
    path.write_text("data_privacy:\n  workers: 3\n")
    assert load_config(path).privacy.workers == 3
    # A bad value is a logged fallback to the default (the project's rule for env/YAML),
    # a bad keyword argument an error.
    monkeypatch.setenv("MCP_LLM_TRACE_PII_WORKERS", "-1")
    with caplog.at_level("WARNING"):
        assert load_config().privacy.workers == 0
    assert "MCP_LLM_TRACE_PII_WORKERS" in caplog.text and "[0, 64]" in caplog.text
    path.write_text("data_privacy:\n  workers: lots\n")
    with caplog.at_level("WARNING"):
        assert load_config(path).privacy.workers == 0
    assert "data_privacy.workers" in caplog.text
    with pytest.raises(ConfigError, match="workers"):
        mlt.configure(force=True, traces_exporter="memory", privacy_workers="many")
    # Off by default: no processes.
    monkeypatch.delenv("MCP_LLM_TRACE_PII_WORKERS")
    assert ScrubTransform(TelemetryConfig()).workers is None


def test_a_worker_with_another_engine_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus_spans: list[ReadableSpan]
) -> None:
    # The worker's environment cannot import Presidio (a broken package shadows it), so
    # it would scrub with the regex packs only: different findings, so it must not be used.
    broken = tmp_path / "presidio_analyzer"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('broken for the test')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(workers_mod, "RESTART_BACKOFF_S", 0.0)
    reference = ScrubTransform(TelemetryConfig(privacy=PrivacyConfig(sanitize_pii=True)))
    with _one_worker(PrivacyConfig(sanitize_pii=True, workers=1)) as (transform, pool):
        assert pool._workers[0].engine.startswith("regex")
        failures = STATS.get(workers_mod.WORKER_FAILURES)
        batch = corpus_spans[:40]
        got = transform.transform(batch)
        assert transform.scrubber.engine_status == "presidio:pattern"
        assert [_view(s) for s in got] == [_view(s) for s in reference.transform(batch)]
        assert STATS.get(workers_mod.WORKER_FAILURES) == failures + 1
        assert pool.scrubbed_by_workers == 0
        # Not restarted: a new worker would start in the same environment.
        assert pool.ready_count() == 0
        assert pool._workers == []


def test_a_hung_worker_with_a_full_pipe_does_not_block_the_export_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chunks larger than a pipe buffer (64 KB): writing to a stopped worker blocks, so
    # the write itself must give up at the deadline.
    monkeypatch.setattr(workers_mod, "ANSWER_SLACK_S", 0.2)
    texts = [
        " ".join(
            f"row {i}-{j}: contact user{i}x{j}@example.com about order {j}." for j in range(3000)
        )
        for i in range(3)
    ]
    spans = _make_spans(texts, per_span=1)
    privacy = PrivacyConfig(sanitize_pii=True, workers=1, time_budget_ms=1000.0)
    with _one_worker(privacy) as (transform, pool):
        stuck = pool._workers[0].proc
        os.kill(stuck.pid, signal.SIGSTOP)
        failures = STATS.get(workers_mod.WORKER_FAILURES)
        t0 = time.monotonic()
        got = transform.transform(spans)
        waited = time.monotonic() - t0
        assert len(got) == len(spans)
        assert "@example.com" not in str([_view(s) for s in got])
        assert STATS.get(workers_mod.WORKER_FAILURES) == failures + 1
        assert stuck.poll() is not None
        assert waited < 20
