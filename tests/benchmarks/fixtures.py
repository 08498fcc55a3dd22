"""Shared workload pieces: the discard exporter, a fresh ``configure``, typical LLM data.

The "typical LLM span": model + provider, two messages of 200 characters (one with an
e-mail address and a phone number so the scrubber has something to find), a
200-character answer and provider-reported usage.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

import mcp_llm_trace as mlt
from mcp_llm_trace import ExporterRegistry

#: Batch settings for caller-thread timing: the worker only runs on an explicit flush
#: (between timed blocks), so export work never competes with the timed loop for the GIL.
DEFERRED_BATCH = {
    "batch_max_queue_size": 200_000,
    "batch_max_export_batch_size": 200_000,
    "batch_schedule_delay_s": 3600.0,
}

MODEL = "gpt-4o"
PROVIDER = "openai"
SYSTEM = (
    "You are a support assistant for ACME. Answer briefly, cite the knowledge "
    "base, never reveal internal ticket numbers, escalate billing disputes to a "
    "human agent and keep a friendly, professional tone."
)[:200].ljust(200, ".")
USER = (
    "Hi, my order #4471 never arrived. Please contact me at jane.doe@example.com "
    "or +1 415 555 0134 to sort it out; I have been waiting two weeks and the "
    "tracking page says it was delivered to the wrong door."
)[:200].ljust(200, ".")
ANSWER = (
    "Sorry about that! I have opened a delivery investigation for order #4471 and "
    "a replacement will ship today with express delivery. You will get a tracking "
    "link by e-mail within the hour; no need to do anything else."
)[:200].ljust(200, ".")
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
USAGE = {"input_tokens": 96, "output_tokens": 42}
DOCUMENTS = [
    {
        "id": f"kb-{i}",
        "score": 0.9 - i * 0.05,
        "content": f"Knowledge base article {i}: delivery investigations are opened when a "
        "parcel is marked delivered but not received; replacements ship express.",
    }
    for i in range(5)
]


class DiscardExporter(SpanExporter):
    """Accepts every batch and drops it (counts spans so tests can check delivery)."""

    def __init__(self) -> None:
        self.count = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.count += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        """Nothing to release."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class FailingExporter(DiscardExporter):
    """Fails every batch (a dead backend that answers instantly)."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.FAILURE


ExporterRegistry.register("discard", lambda cfg: DiscardExporter(), replace=True)
ExporterRegistry.register("failing", lambda cfg: FailingExporter(), replace=True)


def quiet_env() -> None:
    """Keep the user's OTEL_/MCP_LLM_TRACE_ environment out of the measurements."""
    for key in list(os.environ):
        if key.startswith(("OTEL_", "MCP_LLM_TRACE_")):
            del os.environ[key]
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""


def fresh(**kwargs: Any) -> mlt.Telemetry:
    """``configure(force=True)`` with the discard exporter and no metric export unless
    told otherwise."""
    opts: dict[str, Any] = {
        "traces_exporter": "discard",
        "metrics_exporter": "none",
        "logs_correlation": False,
    }
    opts.update(kwargs)
    return mlt.configure(force=True, **opts)


def shutdown(tel: mlt.Telemetry) -> None:
    """Shut a telemetry handle down without letting a failure abort the run."""
    with contextlib.suppress(Exception):
        tel.shutdown(5.0)


def llm_op(usage: bool = True) -> Callable[[], None]:
    """One typical instrumented model call."""
    msgs, answer, model, provider = MESSAGES, ANSWER, MODEL, PROVIDER
    inp, out = USAGE["input_tokens"], USAGE["output_tokens"]

    def op() -> None:
        with mlt.llm_span(model, provider=provider) as span:
            span.set_input(msgs)
            span.set_output(answer)
            if usage:
                span.set_usage(input_tokens=inp, output_tokens=out)

    return op


def tagged(text: str, tag: str) -> str:
    """``text`` with its end replaced by ``tag`` (same length): fresh text per span."""
    return text[: -len(tag)] + tag


def make_llm_spans(
    n: int, *, usage: bool = True, semconv: str = "both", salt: str | None = None
) -> list[ReadableSpan]:
    """``n`` finished typical LLM spans (content captured, nothing scrubbed or priced).

    With ``salt``, span ``i`` carries a user message and answer ending in
    `` ref #<salt>-<i>``: fresh text that no scrub cache has seen, written through
    ``llm_span`` like any app's, so every attribute holding the message (the plain
    message attribute, ``input.value``, ``gen_ai.input.messages``) holds the same text."""
    tel = mlt.configure(
        force=True,
        traces_exporter="memory",
        metrics_exporter="none",
        capture_content=True,
        privacy_sanitize_pii=False,
        pricing_enabled=False,
        semconv=semconv,
        logs_correlation=False,
        batch_max_queue_size=max(2048, n),
        batch_schedule_delay_s=3600.0,
    )
    op = llm_op(usage)
    for i in range(n):
        if salt is None:
            op()
            continue
        tag = f" ref #{salt}-{i}."
        with mlt.llm_span(MODEL, provider=PROVIDER) as span:
            span.set_input([MESSAGES[0], {"role": "user", "content": tagged(USER, tag)}])
            span.set_output(tagged(ANSWER, tag))
            if usage:
                span.set_usage(**USAGE)
    tel.force_flush()
    spans = list(tel.memory_exporter.get_finished_spans())
    shutdown(tel)
    return spans


def text_bytes(spans: Sequence[ReadableSpan]) -> int:
    """UTF-8 bytes of every string attribute of ``spans`` (what a scrubber reads)."""
    total = 0
    for s in spans:
        for v in (s.attributes or {}).values():
            if isinstance(v, str):
                total += len(v.encode())
    return total
