"""Golden trace shape: every attribute (key order, value and type), event and status our
span helpers leave on a span when it ends, for a matrix of inputs, outputs and
configurations, compared with ``tests/data/span_golden.json``.

It guards the hot-path optimisations (fast paths for common message shapes, shared JSON
encodings, cached start attributes, the pre-validated attribute writer): they must emit
exactly what the general code emits. Spans are read in ``on_end`` on the caller's thread,
before any export transform. After an intended change of the emitted attributes,
regenerate the file with ``MLT_UPDATE_GOLDEN=1 pytest tests/unit/test_span_golden.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

import mcp_llm_trace as mlt

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "span_golden.json"

TRICKY = 'héllo "q" \\ \n\t\u2028 \x00 \x1f 😀 </script> é'

INPUTS: dict[str, Any] = {
    "two_dicts": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi, mail me at jane@example.com"},
    ],
    "string": "just a prompt",
    "one_dict": {"role": "user", "content": "single"},
    "tuple": ({"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}),
    "tricky_text": [{"role": "user", "content": TRICKY}, {"role": TRICKY, "content": "r"}],
    "empty_content": [{"role": "user", "content": ""}, {"role": "user", "content": "x"}],
    "none_content": [{"role": "user", "content": None}],
    "int_content": [{"role": "user", "content": 5}],
    "parts": [
        {
            "role": "user",
            "content": [{"type": "text", "text": "p1"}, {"type": "text", "text": "p2"}],
        }
    ],
    "tool_calls": [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "function": {"name": "wx", "arguments": '{"city":"X"}'}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
    ],
    "named": [{"role": "user", "content": "x", "name": "bob"}],
    "no_role": [{"content": "nobody"}],
    "empty_role": [{"role": "", "content": "blank role"}],
    "non_str_role": [{"role": 3, "content": "int role"}],
    "extra_key": [{"role": "user", "content": "x", "meta": 1}],
    "reversed_keys": [{"content": "content first", "role": "user"}],
    "strings": ["first", "second"],
    "objects": [SimpleNamespace(role="user", content="from an object")],
    "empty_list": [],
    "none": None,
    "many": [{"role": "user", "content": f"m{i}"} for i in range(33)],
}

OUTPUTS: dict[str, tuple[Any, str | None]] = {
    "text": ("Sure, here it is.", None),
    "text_length": ("Cut", "length"),
    "empty_text": ("", None),
    "tricky_text": (TRICKY, "stop"),
    "dict": ({"role": "assistant", "content": "from a dict"}, None),
    "two_messages": ([{"role": "assistant", "content": "a"}, {"content": "b"}], None),
    "tool_call": (
        {"role": "assistant", "content": "", "tool_calls": [{"id": "t", "name": "f"}]},
        "tool_calls",
    ),
    "object": (SimpleNamespace(role="assistant", content="obj out"), None),
}

CONFIGS: dict[str, dict[str, Any]] = {
    f"{mode}_{'capture' if capture else 'nocapture'}": {
        "semconv": mode,
        "capture_content": capture,
    }
    for mode in ("both", "genai", "openinference")
    for capture in (True, False)
}
CONFIGS["both_capture_limit20"] = {
    "semconv": "both",
    "capture_content": True,
    "span_attribute_value_length_limit": 20,
}


class _Recorder(SpanProcessor):
    """Keeps every span as it is when it ends (caller thread, no export transform)."""

    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def _value(v: Any) -> list[Any]:
    if isinstance(v, tuple):
        return ["tuple", [_value(x) for x in v]]
    if isinstance(v, list):
        return ["list", [_value(x) for x in v]]
    return [type(v).__name__, v]


def _attrs(attrs: Any, *, timed: tuple[str, ...] = ()) -> list[Any]:
    out = []
    for k, v in (attrs or {}).items():
        out.append([k, ["timing", None] if k in timed else _value(v)])
    return out


_TIMED = ("gen_ai.response.time_to_first_chunk",)


def _shape(span: ReadableSpan) -> dict[str, Any]:
    return {
        "name": span.name,
        "kind": span.kind.name,
        "status": [span.status.status_code.name, span.status.description],
        "attributes": _attrs(span.attributes, timed=_TIMED),
        "events": [
            [e.name, _attrs(e.attributes, timed=(*_TIMED, "exception.stacktrace"))]
            for e in span.events
        ],
    }


def _llm_cases() -> Iterator[tuple[str, Callable[[], None]]]:
    for in_key, value in INPUTS.items():

        def op(value: Any = value) -> None:
            with mlt.llm_span("gpt-4o", provider="openai") as s:
                s.set_input(value)
                s.set_output("ok")
                s.set_usage(input_tokens=3, output_tokens=1)

        yield f"input.{in_key}", op
    for out_key, (out, finish) in OUTPUTS.items():

        def op2(out: Any = out, finish: str | None = finish) -> None:
            with mlt.llm_span("claude-x", provider="anthropic", stream=False) as s:
                s.set_input("q")
                s.set_output(out, finish_reason=finish)

        yield f"output.{out_key}", op2

    def full() -> None:
        with mlt.llm_span(
            "gpt-4o-mini",
            provider="Azure",
            operation="text_completion",
            attributes={"app.tag": "x", "app.list": [1, 2]},
        ) as s:
            s.set_invocation_parameters({"temperature": 0.2, "max_tokens": 9, "stop": ["\n"]})
            s.set_input([{"role": "user", "content": "hi"}])
            s.set_tools([{"name": "f", "parameters": {"type": "object"}}])
            s.set_output("hello")
            s.set_response(model="gpt-4o-mini-2024", response_id="r1", finish_reasons=["stop"])
            s.set_usage(
                input_tokens=10,
                output_tokens=4,
                cache_read_tokens=2,
                reasoning_tokens=1,
            )
            s.set_attribute("app.after", "late")
            s.set_attribute("gen_ai.request.model", "re-set moves to the end")

    yield "llm.full", full

    def named() -> None:
        with mlt.llm_span(name="custom name", stream=True) as s:
            s.set_input("x")

    yield "llm.named_no_model", named

    def streamed() -> None:
        with mlt.llm_span("gpt-4o", provider="openai") as s:
            s.set_input([{"role": "user", "content": "stream"}])
            for chunk in ("Hel", "lo", ""):
                s.add_chunk(chunk)

    yield "llm.stream", streamed

    def failed() -> None:
        def body() -> None:
            with mlt.llm_span("gpt-4o", provider="openai") as s:
                s.set_input("boom?")
                raise ValueError("boom")

        with pytest.raises(ValueError):
            body()

    yield "llm.error", failed

    def attributed() -> None:
        with mlt.using_attributes(user_id="u1", session_id="s1"), mlt.llm_span("m") as s:
            s.set_output("attributed")

    yield "llm.using_attributes", attributed

    def with_baggage() -> None:
        ctx = baggage.set_baggage("tenant.id", "t1", baggage.set_baggage("other", "x"))
        token = otel_context.attach(ctx)
        try:
            with mlt.llm_span("m", provider="openai") as s:
                s.set_input("b")
        finally:
            otel_context.detach(token)

    yield "llm.baggage", with_baggage

    def nested() -> None:
        with mlt.llm_span("outer") as outer:
            outer.set_input("o")
            with mlt.llm_span("inner") as inner:
                inner.set_output("i")

    yield "llm.nested", nested


def _other_cases() -> Iterator[tuple[str, Callable[[], None]]]:
    def tool() -> None:
        with mlt.tool_span("search", arguments={"q": "otel", "n": 5}, call_id="c9") as s:
            s.set_output({"items": [1, 2]})

    def retriever() -> None:
        with mlt.retriever_span("late parcel", data_source="kb", top_k=2) as s:
            s.set_documents(
                [{"id": "d1", "score": 0.5, "content": "doc one", "metadata": {"a": 1}}, "two"]
            )

    def embedding() -> None:
        with mlt.embedding_span("te-3", texts=["a", "b"], provider="openai") as s:
            s.set_embeddings([[0.1, 0.2], [0.3, 0.4]])
            s.set_usage(input_tokens=2)

    def generic() -> None:
        with mlt.create_span("work", attributes={"k": "v"}, openinference_kind="CHAIN") as s:
            s.set_input({"a": [1, "x"]})
            s.set_output("done")
            s.set_error("bad result", error_type="tool_error")

    yield "tool", tool
    yield "retriever", retriever
    yield "embedding", embedding
    yield "generic", generic


def _collect() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cfg_key, cfg in CONFIGS.items():
        rec = _Recorder()
        mlt.add_span_processor(rec)
        tel = mlt.configure(
            force=True,
            traces_exporter="none",
            metrics_exporter="none",
            logs_correlation=False,
            privacy_sanitize_pii=False,
            pricing_enabled=False,
            **cfg,
        )
        try:
            for case, op in (*_llm_cases(), *_other_cases()):
                before = len(rec.spans)
                op()
                out[f"{cfg_key}/{case}"] = [_shape(s) for s in rec.spans[before:]]
        finally:
            tel.shutdown(5.0)
    # Through JSON so the comparison sees what the file holds (tuples → lists, …).
    result: dict[str, Any] = json.loads(json.dumps(out))
    return result


def test_emitted_spans_match_golden(shutdown_telemetry_after: None) -> None:
    got = _collect()
    if os.environ.get("MLT_UPDATE_GOLDEN") == "1":
        lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in got.items()]
        GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert got[key] == expected[key], key
