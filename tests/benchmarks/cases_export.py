"""Export-thread cases: token counting, pricing, scrubbing, file and OTLP/HTTP export.

These run on a pre-built batch of typical LLM spans, called directly (no queue), so the
figure is the export thread's own throughput.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from tests.benchmarks import fixtures as fx
from tests.benchmarks.harness import Group, Prepared, Variant

KB_TEXT = ((fx.SYSTEM + " " + fx.USER + " " + fx.ANSWER + " ") * 6)[:1024]
BATCH = 64


def _spans(usage: bool = True) -> list[ReadableSpan]:
    return fx.make_llm_spans(BATCH, usage=usage)


# ------------------------------------------------------------------ enrichment


def _tiktoken_raw() -> Prepared:
    from mcp_llm_trace.tokens import get_encoding

    enc = get_encoding("o200k_base")
    text = KB_TEXT
    return Prepared(lambda: enc.encode_ordinary(text))


def _count_tokens() -> Prepared:
    from mcp_llm_trace import count_tokens

    count_tokens("warm", model=fx.MODEL)
    text = KB_TEXT
    return Prepared(lambda: count_tokens(text, model=fx.MODEL))


def tokens_group() -> Group:
    """Tokens when usage is missing: per KB of text."""
    return Group(
        "tokens",
        "Token counting when usage is missing (per KB, export thread)",
        "export",
        Variant("tiktoken", "tiktoken o200k encode_ordinary, 1 KB", _tiktoken_raw, ops=2000),
        [
            Variant(
                "count_tokens",
                "mlt.count_tokens(text, model='gpt-4o'), 1 KB",
                _count_tokens,
                ops=2000,
            )
        ],
        unit="KB",
    )


def _decimal_floor() -> Prepared:
    p_in, p_out = Decimal("2.5") / 1_000_000, Decimal("10") / 1_000_000
    return Prepared(lambda: p_in * 96 + p_out * 42)


def _compute_cost() -> Prepared:
    from mcp_llm_trace.pricing import Usage, compute_cost

    usage = Usage(input_tokens=96, output_tokens=42)
    compute_cost(fx.MODEL, fx.PROVIDER, usage)
    return Prepared(lambda: compute_cost(fx.MODEL, fx.PROVIDER, usage))


def _enrich(usage: bool) -> Any:
    def setup() -> Prepared:
        from mcp_llm_trace.config import TelemetryConfig
        from mcp_llm_trace.pricing.enrich import CostEnrichmentTransform

        spans = _spans(usage)
        t = CostEnrichmentTransform(TelemetryConfig())
        # Without usage the transform counts tokens from text the spans left behind;
        # re-remember it before every batch so each timed call does the real work.
        texts = _side_texts(spans) if not usage else []

        def op() -> None:
            for ctx, pair in texts:
                _remember(ctx, pair)
            t.transform(spans)

        return Prepared(op, units_per_op=len(spans))

    return setup


def _side_texts(spans: list[ReadableSpan]) -> list[tuple[Any, tuple[str, str]]]:
    from mcp_llm_trace._internal.messages import to_json

    text = (to_json(fx.MESSAGES), fx.ANSWER)
    return [(s.context, text) for s in spans]


def _remember(ctx: Any, pair: tuple[str, str]) -> None:
    from mcp_llm_trace._internal import pending

    with pending._lock:
        pending._texts[(ctx.trace_id, ctx.span_id)] = pair


def pricing_group() -> Group:
    """Cost per span: compute_cost and the enrichment transform."""
    return Group(
        "pricing",
        "Cost per span (export thread)",
        "export",
        Variant("decimal", "floor: two Decimal multiply-adds", _decimal_floor, ops=20_000),
        [
            Variant(
                "compute_cost", "mlt.compute_cost(gpt-4o, openai, usage)", _compute_cost, ops=5_000
            ),
            Variant(
                "enrich_usage",
                "CostEnrichmentTransform per span, usage present",
                _enrich(True),
                ops=40,
            ),
            Variant(
                "enrich_tokens",
                "CostEnrichmentTransform per span, usage missing (counts tokens)",
                _enrich(False),
                ops=20,
            ),
        ],
        unit="span",
    )


# ------------------------------------------------------------------ scrubbing


def _regex_floor() -> Prepared:
    spans = _spans()
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone = re.compile(r"\+?\d[\d ()-]{7,}\d")

    def op() -> None:
        for s in spans:
            for v in (s.attributes or {}).values():
                if isinstance(v, str):
                    phone.sub("<PHONE>", email.sub("<EMAIL>", v))

    return Prepared(op, units_per_op=fx.text_bytes(spans) / 1024)


_SCRUBBERS: dict[bool, Any] = {}
#: Process-wide, so no two timed batches (any repeat, any variant) share a text.
_SALT = itertools.count()
#: Timed ops per repeat of the pattern-mode scrub case.
_OPS = 3


def _scrub_transform(ner: bool) -> Any:
    """One warm ScrubTransform per mode for the whole run: building the Presidio/spaCy
    engine takes seconds and is a one-off start-up cost, not per-span work. Every timed
    batch carries fresh text, so its result cache never answers."""
    if ner not in _SCRUBBERS:
        from mcp_llm_trace.config import load_config
        from mcp_llm_trace.privacy.transform import ScrubTransform

        t = ScrubTransform(load_config(capture_content=True, privacy_ner=ner))
        t.transform(_spans()[:2])
        _SCRUBBERS[ner] = t
    return _SCRUBBERS[ner]


def _scrub(ner: bool) -> Any:
    def setup() -> Prepared:
        t = _scrub_transform(ner)
        # NER costs ~100× pattern mode per KB: an eighth of a batch keeps the run short.
        size = max(1, BATCH // 8) if ner else BATCH
        # Fresh spans for every op (the harness runs at most 4 per setup, warm-up
        # included), so the scrubber's caches cannot answer; each span is written through
        # llm_span, so its copies of a message are the same text, as in any app.
        batches = [fx.make_llm_spans(size, salt=f"{next(_SALT)}") for _ in range(_OPS + 1)]
        ops = iter(batches)

        def op() -> None:
            batch = next(ops, None)  # (only a --scale above 1 runs more ops than built)
            t.transform(batch or fx.make_llm_spans(size, salt=f"{next(_SALT)}"))

        return Prepared(op, units_per_op=fx.text_bytes(batches[0]) / 1024)

    return setup


def scrub_group() -> Group:
    """Scrubbing throughput, pattern mode and NER, in KB of span text per second."""
    return Group(
        "scrub",
        "Scrubbing throughput (export thread; KB of string attributes)",
        "export",
        Variant(
            "regex_floor",
            "floor: one e-mail + one phone regex over the same text",
            _regex_floor,
            ops=200,
        ),
        [
            Variant(
                "scrub_pattern",
                "ScrubTransform, pattern mode (default)",
                _scrub(False),
                ops=_OPS,
                warmup=1,
            ),
            Variant(
                "scrub_ner",
                "ScrubTransform, privacy_ner=True (spaCy en_core_web_sm)",
                _scrub(True),
                ops=1,
                warmup=1,
            ),
        ],
        kind="throughput",
        unit="KB",
        note=f"One op = a batch of {BATCH} typical LLM spans ({BATCH // 8} for NER); every "
        "batch has fresh text (no cache hits); engines are built once, before timing.",
    )


# ------------------------------------------------------------------ scrubbing: external corpus

#: Target size of one op's chunk of the external corpus (records are whole).
EXTERNAL_CHUNK_KB = 12.0
_EXTERNAL_SCRUBBERS: dict[bool, Any] = {}


def _external_chunks() -> list[list[str]]:
    """The external corpus (tests/corpus/external) cut into ~12 KB chunks of whole records,
    in a fixed shuffled order so every chunk mixes secrets, PII and controls."""
    import random

    from tests.corpus.external.evaluate import load_corpus

    texts = [r["text"] for r in load_corpus()]
    random.Random(18).shuffle(texts)
    chunks: list[list[str]] = [[]]
    size = 0
    for t in texts:
        if size >= EXTERNAL_CHUNK_KB * 1024:
            chunks.append([])
            size = 0
        chunks[-1].append(t)
        size += len(t.encode())
    return chunks


def _external_scrubber(presidio: bool) -> Any:
    """One warm Scrubber per mode for the run, result cache off: every op scans its text."""
    if presidio not in _EXTERNAL_SCRUBBERS:
        from mcp_llm_trace.config import PrivacyConfig
        from mcp_llm_trace.privacy import Scrubber

        s = Scrubber(PrivacyConfig(presidio=presidio), cache_size=0)
        s.warm_up()
        s.scrub_text("warm up: mail a@b.co, call +1 415 555 0134")
        _EXTERNAL_SCRUBBERS[presidio] = s
    return _EXTERNAL_SCRUBBERS[presidio]


def _external_floor() -> Prepared:
    chunks = _external_chunks()
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    phone = re.compile(r"\+?\d[\d ()-]{7,}\d")
    cycle = itertools.cycle(chunks)

    def op() -> None:
        for t in next(cycle):
            phone.sub("<PHONE>", email.sub("<EMAIL>", t))

    return Prepared(op, units_per_op=_mean_kb(chunks))


def _scrub_external(presidio: bool) -> Any:
    def setup() -> Prepared:
        s = _external_scrubber(presidio)
        chunks = _external_chunks()
        cycle = itertools.cycle(chunks)
        findings: Counter[str] = Counter()
        scanned = {"records": 0, "bytes": 0}
        warmed: list[bool] = []

        def op() -> None:
            for t in next(cycle):
                _, counts = s.scrub_text_counted(t)
                for entity, n in counts:
                    findings[entity] += n
                scanned["records"] += 1
                scanned["bytes"] += len(t.encode())

        def between() -> None:  # first call: warm-up done, count the timed ops only
            if not warmed:
                findings.clear()
                scanned.update(records=0, bytes=0)
                warmed.append(True)

        def report() -> dict[str, Any]:
            kb = scanned["bytes"] / 1024
            return {
                "engine": s.engine_status,
                "records_scanned": scanned["records"],
                "kb_scanned": kb,
                "findings": dict(findings),
                "findings_per_kb": sum(findings.values()) / kb if kb else 0.0,
            }

        return Prepared(op, between=between, units_per_op=_mean_kb(chunks), report=report)

    return setup


def _mean_kb(chunks: list[list[str]]) -> float:
    return sum(len(t.encode()) for c in chunks for t in c) / 1024 / len(chunks)


def scrub_external_group() -> Group:
    """Scrubbing throughput on the external corpus (issue 18), KB/s, plus findings counts."""
    n_chunks = len(_external_chunks())
    return Group(
        "scrub_external",
        "Scrubbing throughput on the external corpus (tests/corpus/external; KB of text)",
        "export",
        Variant(
            "regex_floor",
            "floor: one e-mail + one phone regex over the same text",
            _external_floor,
            ops=n_chunks * 4,
        ),
        [
            Variant(
                "scrub_default",
                "Scrubber.scrub_text, default config (Presidio pattern mode)",
                _scrub_external(True),
                ops=n_chunks,
                warmup=1,
            ),
            Variant(
                "scrub_regex",
                "Scrubber.scrub_text, presidio=False (regex PII)",
                _scrub_external(False),
                ops=n_chunks,
                warmup=1,
            ),
        ],
        kind="throughput",
        unit="KB",
        note=f"One op = one ~{EXTERNAL_CHUNK_KB:.0f} KB chunk of the {n_chunks}-chunk corpus "
        "(secrets, structured PII and controls mixed), scanned by a warm scrubber with its "
        "result cache off, so a repeat at scale 1 scans the whole corpus once. Findings are "
        "counted over the timed ops of the last repeat; the leak/damage figures "
        "are `python -m tests.corpus.external.evaluate`'s (docs/privacy.md).",
    )


# ------------------------------------------------------------------ exporters


def _sdk_json() -> Prepared:
    spans = _spans()
    devnull = open(os.devnull, "w")  # noqa: SIM115 — closed in teardown

    def op() -> None:
        for s in spans:
            devnull.write(s.to_json(indent=None))

    return Prepared(op, teardown=devnull.close, units_per_op=len(spans))


def _file_exporter() -> Prepared:
    from mcp_llm_trace.export.file import FileSpanExporter

    spans = _spans()
    tmp = tempfile.TemporaryDirectory()
    exp = FileSpanExporter(tmp.name, max_bytes=1 << 30)

    def stop() -> None:
        exp.shutdown()
        tmp.cleanup()

    return Prepared(lambda: exp.export(spans), teardown=stop, units_per_op=len(spans))


class _Receiver:
    """An OTLP/HTTP receiver (tests/support) in a subprocess, so decoding it does not
    share our GIL."""

    def __init__(self) -> None:
        code = (
            "import sys,time;from tests.support.receivers import OTLPHTTPReceiver as R;"
            "r=R();r.start();print(r.endpoint,flush=True);sys.stdin.read();r.stop()"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=_ROOT,
        )
        assert self.proc.stdout is not None
        self.endpoint = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _otlp(ours: bool) -> Any:
    def setup() -> Prepared:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        from mcp_llm_trace._internal.providers import wrap_exporter
        from mcp_llm_trace.config import load_config
        from mcp_llm_trace.export.otlp import build_otlp_exporter

        spans = _spans()
        rec = _Receiver()
        if ours:
            cfg = load_config(traces_exporter="otlp", otlp_traces_endpoint=rec.endpoint)
            exp = wrap_exporter(build_otlp_exporter(cfg), cfg, "otlp")
        else:
            exp = OTLPSpanExporter(endpoint=rec.endpoint)

        def stop() -> None:
            exp.shutdown()
            rec.stop()

        return Prepared(lambda: exp.export(spans), teardown=stop, units_per_op=len(spans))

    return setup


def exporters_group() -> Group:
    """File exporter and OTLP/HTTP to a local receiver, spans/s."""
    return Group(
        "exporters",
        "Exporters (export thread; spans/s)",
        "export",
        Variant("sdk_json", "floor: SDK ReadableSpan.to_json() to /dev/null", _sdk_json, ops=30),
        [
            Variant("file", "FileSpanExporter (OTLP/JSON lines)", _file_exporter, ops=30),
            Variant(
                "otlp_sdk", "OTel OTLPSpanExporter (HTTP) → local receiver", _otlp(False), ops=20
            ),
            Variant(
                "otlp_ours",
                "our OTLP/HTTP (breaker + spool wrapper) → local receiver",
                _otlp(True),
                ops=20,
            ),
        ],
        kind="throughput",
        unit="span",
        note=f"One op = one export call with {BATCH} typical LLM spans. The receiver runs "
        "in a subprocess on the same machine.",
    )
