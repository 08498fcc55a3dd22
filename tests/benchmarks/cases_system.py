"""Whole-process cases: CPU overhead on a 1 ms workload, and memory (in subprocesses).

CPU: ``time.process_time`` over ``n`` operations of ~1 ms of pure-Python CPU work each,
plus the flush that exports their spans — so the export thread's work is included.
Memory: every case runs in a fresh ``python -m tests.benchmarks.memory_worker`` process
and reports its RSS; "above baseline" subtracts the uninstrumented worker's RSS.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

import mcp_llm_trace as mlt
from tests.benchmarks import fixtures as fx
from tests.benchmarks.harness import REPEATS, stat

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _calibrate(target_s: float = 0.001) -> int:
    """Loop count of :func:`_work` that takes ``target_s`` of CPU here."""
    k = 2000
    while True:
        t0 = time.process_time()
        for _ in range(20):
            _work(k)
        dt = (time.process_time() - t0) / 20
        if dt > 0.0002:
            return max(1, int(k * target_s / dt))
        k *= 2


def _work(k: int) -> int:
    x = 0
    for i in range(k):
        x += i * i
    return x


def _variants(k: int) -> list[tuple[str, str, Callable[[], Any], dict[str, Any] | None]]:
    def plain() -> None:
        _work(k)

    @mlt.trace_operation("work")
    def traced() -> None:
        _work(k)

    def llm() -> None:
        with mlt.llm_span(fx.MODEL, provider=fx.PROVIDER) as span:
            span.set_input(fx.MESSAGES)
            _work(k)
            span.set_output(fx.ANSWER)
            span.set_usage(**fx.USAGE)

    # The same 1 ms operation in a bare OTel SDK span (BatchSpanProcessor, discarding
    # exporter): what OpenTelemetry itself costs here, the floor for any SDK on top of it.
    bare_provider = TracerProvider()
    bare_provider.add_span_processor(BatchSpanProcessor(fx.DiscardExporter()))
    bare_tracer = bare_provider.get_tracer("bench")

    def bare() -> None:
        with bare_tracer.start_as_current_span("work"):
            _work(k)

    full = {"capture_content": True, "privacy_sanitize_pii": True, "pricing_enabled": True}
    return [
        ("baseline", "1 ms of CPU work, not instrumented", plain, None),
        ("bare_sdk", "bare OTel SDK span (BatchSpanProcessor, discard)", bare, {}),
        ("trace_operation", "@trace_operation (default config)", traced, {}),
        ("llm_default", "llm_span, default config (content capture off, pricing on)", llm, {}),
        ("llm_full", "llm_span, capture + scrubbing + pricing on", llm, full),
    ]


def cpu_overhead(
    *, scale: float = 1.0, repeats: int = REPEATS, log: Callable[[str], None] = lambda s: None
) -> dict[str, Any]:
    """% CPU increase of instrumented 1 ms operations (export thread included).

    Paired blocks in one configured process: ``block`` plain operations, then ``block``
    instrumented ones, alternating, so machine noise hits both alike; the flush that
    exports the spans is charged to the instrumented side.
    """
    k = _calibrate()
    n = max(2, int(1000 * scale))
    block = max(1, min(50, n // 4))
    variants = _variants(k)
    plain = variants[0][2]
    samples: dict[str, list[float]] = {key: [] for key, *_ in variants}
    for _ in range(repeats):
        for key, _label, fn, cfg in variants[1:]:
            tel = fx.fresh(**(cfg or {}))
            try:
                for _ in range(max(1, n // 20)):
                    fn()
                    plain()
                tel.force_flush()
                base_t = inst_t = 0.0
                done = 0
                while done < n:
                    m = min(block, n - done)
                    t0 = time.process_time()
                    for _ in range(m):
                        plain()
                    t1 = time.process_time()
                    for _ in range(m):
                        fn()
                    t2 = time.process_time()
                    base_t += t1 - t0
                    inst_t += t2 - t1
                    done += m
                t3 = time.process_time()
                tel.force_flush()
                inst_t += time.process_time() - t3
                samples["baseline"].append(base_t / n)
                samples[key].append(inst_t / n)
            finally:
                fx.shutdown(tel)
        log(".")
    out: dict[str, Any] = {"ops_per_repeat": n, "work_loop": k, "variants": {}}
    # Each instrumented variant is paired with the plain blocks measured beside it.
    per = len(variants) - 1
    for i, (key, label, _fn, _cfg) in enumerate(variants):
        if key == "baseline":
            xs, base = samples[key], samples[key]
        else:
            xs = samples[key]
            base = samples["baseline"][i - 1 :: per]
        pct = [(a / b - 1) * 100 for a, b in zip(xs, base, strict=False)]
        out["variants"][key] = {
            "label": label,
            "cpu_ms_per_op": stat([x * 1e3 for x in xs]).as_dict(),
            "overhead_pct": stat(pct).as_dict(),
            "ratio": stat([a / b for a, b in zip(xs, base, strict=False)]).as_dict(),
        }
    return out


# ------------------------------------------------------------------ memory


def _worker(mode: str, n: int, rate: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "tests.benchmarks.memory_worker", mode, str(n), str(rate)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=_ROOT, timeout=300, check=False)
    if res.returncode != 0:
        return {"mode": mode, "error": res.stderr[-2000:]}
    return dict(json.loads(res.stdout.strip().splitlines()[-1]))


def memory(
    *, scale: float = 1.0, repeats: int = 1, log: Callable[[str], None] = lambda s: None
) -> dict[str, Any]:
    """RSS above an uninstrumented baseline: typical workload (10k spans/min, scaled in
    time), with and without token counting; and a dead exporter under 100k spans."""
    # 10k spans/min at that real rate for a short run (15 s at scale 1): faster playback
    # would only measure a full queue of an export thread that cannot keep up.
    rate = 10_000 / 60
    n = max(50, int(2_500 * scale))
    modes = ["baseline", "typical", "typical_regex", "typical_tokens", "tokenizer_only"]
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    for _ in range(max(1, repeats)):
        for m in modes:
            runs[m].append(_worker(m, n, rate))
        log(".")
    dead = _worker("dead_exporter", max(500, int(100_000 * scale)), 0.0)
    log(".")

    def rss(m: str) -> list[float]:
        return [r["rss_mb"] for r in runs[m] if "rss_mb" in r]

    base = rss("baseline")
    out: dict[str, Any] = {"spans": n, "rate_per_s": rate, "runs": runs, "dead_exporter": dead}
    if base:
        b = statistics.median(base)
        out["baseline_rss_mb"] = b
        tok = statistics.median(rss("tokenizer_only") or [b]) - b
        out["tokenizer_tables_mb"] = tok
        for m in ("typical", "typical_regex", "typical_tokens"):
            xs = rss(m)
            if xs:
                out[f"{m}_above_baseline_mb"] = stat([x - b for x in xs]).as_dict()
        xs = rss("typical_tokens")
        if xs:
            out["typical_tokens_excl_tables_mb"] = statistics.median(xs) - b - tok
    return out
