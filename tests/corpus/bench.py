"""Scrubbing throughput: spans/s and KB/s per core, pattern mode, regex-only and NER.

    .venv/bin/python -m tests.corpus.bench [N_SPANS]   # from the repository root

Each span is an LLM span with ~1 KB of unique content spread over 5 attributes (prompt,
flattened message, completion, tool arguments, an exception event), built from corpus
rows, so the cache never hits; a second pass over the same spans measures the cache path.
CPU time (``time.process_time``) gives the per-core rate.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import replace

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mcp_llm_trace import semconv
from mcp_llm_trace.config import PrivacyConfig, TelemetryConfig
from mcp_llm_trace.privacy import ScrubTransform
from tests.corpus.evaluate import load_corpus


def make_spans(n: int, seed: int = 7) -> tuple[list[ReadableSpan], int]:
    rng = random.Random(seed)
    texts = [r["text"] for r in load_corpus()]
    mem = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(mem))
    tracer = provider.get_tracer("bench")
    chars = 0
    for i in range(n):
        parts = [f"#{i} " + " ".join(rng.choice(texts) for _ in range(2)) for _ in range(5)]
        chars += sum(len(p) for p in parts)
        with tracer.start_as_current_span("chat gpt-4o") as span:
            span.set_attributes(
                {
                    semconv.INPUT_VALUE: parts[0],
                    semconv.input_message_key(0, "content"): parts[1],
                    semconv.OUTPUT_VALUE: parts[2],
                    semconv.TOOL_CALL_FUNCTION_ARGUMENTS: json.dumps({"q": parts[3]}),
                    semconv.LLM_MODEL_NAME: "gpt-4o",
                    semconv.LLM_TOKEN_PROMPT: 100 + i,
                }
            )
            span.add_event("exception", {semconv.EXCEPTION_MESSAGE: parts[4]})
    return list(mem.get_finished_spans()), chars


def run(label: str, privacy: PrivacyConfig, spans: list[ReadableSpan], chars: int) -> None:
    cfg = TelemetryConfig().evolve(privacy=replace(privacy, sanitize_pii=True, time_budget_ms=1e6))
    t = ScrubTransform(cfg)
    t.transform(spans[:1])  # build Presidio outside the measurement
    for name, batch in (("cold", spans), ("cached", spans)):
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(batch), 512):
            t.transform(batch[i : i + 512])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{label:<16} {name:<7} {len(batch) / cpu:>9.0f} spans/s/core "
            f"{chars / 1024 / cpu:>8.0f} KB/s/core  ({cpu * 1e3 / (chars / 1024):.2f} ms/KB, "
            f"wall {wall:.2f}s, {chars / len(batch):.0f} chars/span)"
        )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    spans, chars = make_spans(n)
    run("regex-only", PrivacyConfig(presidio=False), spans, chars)
    run("presidio", PrivacyConfig(), spans, chars)
    ner = PrivacyConfig(
        ner=True, entities=(*PrivacyConfig().effective_entities, "PERSON", "LOCATION")
    )
    small, small_chars = spans[: max(50, n // 10)], 0
    small_chars = int(chars * len(small) / len(spans))
    run("presidio+NER", ner, small, small_chars)


if __name__ == "__main__":
    main()
