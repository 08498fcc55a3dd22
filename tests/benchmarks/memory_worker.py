"""One memory measurement in a fresh process (``python -m tests.benchmarks.memory_worker
MODE N RATE``); prints one JSON line with the RSS after the workload.

Modes: ``baseline`` (same imports and loop, telemetry disabled), ``typical`` (LLM spans
with usage, capture + scrubbing + pricing on), ``typical_tokens`` (same without usage:
the export thread counts tokens, loading the o200k tables), ``tokenizer_only`` (baseline
plus the o200k tables: their size, to subtract), ``typical_regex`` (typical with
``privacy_presidio=False``: regex-only scrubbing, no Presidio/spaCy), ``dead_exporter`` (N spans into an
exporter that fails every batch; RSS sampled along the way).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import psutil

from tests.benchmarks import fixtures as fx

MB = 1024 * 1024


def _rss() -> float:
    return float(psutil.Process().memory_info().rss) / MB


def _paced(op: Any, n: int, rate: float) -> None:
    start = time.perf_counter()
    for i in range(n):
        op()
        if rate > 0 and i % 50 == 49:
            ahead = (i + 1) / rate - (time.perf_counter() - start)
            if ahead > 0:
                time.sleep(ahead)


def main(mode: str, n: int, rate: float) -> dict[str, Any]:
    """Run ``mode`` and return its measurements."""
    fx.quiet_env()
    out: dict[str, Any] = {"mode": mode, "spans": n, "rss_start_mb": _rss()}
    full = {"capture_content": True, "privacy_sanitize_pii": True, "pricing_enabled": True}
    if mode in ("baseline", "tokenizer_only"):
        tel = fx.fresh(enabled=False)
        if mode == "tokenizer_only":
            from mcp_llm_trace import count_tokens

            count_tokens("load the tables", model=fx.MODEL)
        _paced(fx.llm_op(), n, 0.0)
    elif mode in ("typical", "typical_tokens", "typical_regex"):
        if mode == "typical_regex":  # scrubbing without the Presidio engine
            full["privacy_presidio"] = False
        tel = fx.fresh(**full)
        _paced(fx.llm_op(usage=mode != "typical_tokens"), n, rate)
        tel.force_flush()
        out["stats"] = tel.stats()
    elif mode == "dead_exporter":
        # Default config (capture off): the point is the bounded queue, not scrubbing.
        tel = fx.fresh(traces_exporter="failing")
        op = fx.llm_op()
        samples = []
        step = max(1, n // 10)
        for i in range(0, n, step):
            _paced(op, min(step, n - i), 0.0)
            samples.append(
                {"spans": i + step, "rss_mb": _rss(), "queue_depth": tel.stats()["queue_depth"]}
            )
        out["samples"] = samples
        out["stats"] = tel.stats()
        out["growth_second_half_mb"] = (
            samples[-1]["rss_mb"] - samples[len(samples) // 2 - 1]["rss_mb"]
        )
    else:
        raise SystemExit(f"unknown mode {mode}")
    out["rss_mb"] = _rss()
    fx.shutdown(tel)
    return out


if __name__ == "__main__":
    result = main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
    print(json.dumps(result, default=str))
