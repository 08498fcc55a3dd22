"""Content capture rules: off by default, per category, env switches, vectors, budget."""

from __future__ import annotations

from typing import Any

import pytest

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.testing import CapturedSpans, capture_spans

SECRET_Q = "what is the launch code"
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": SECRET_Q}]


def _exercise() -> None:
    with mlt.llm_span("gpt-4o", provider="openai") as llm:
        llm.set_input(MESSAGES)
        llm.set_output("It is 0000.")
        llm.set_usage(input_tokens=10, output_tokens=4)
    with mlt.tool_span("lookup", arguments={"code": "alpha"}) as tool:
        tool.set_output({"result": "beta"})
    with mlt.retriever_span(SECRET_Q, data_source="kb") as ret:
        ret.set_documents([{"id": "d1", "content": "Doc text", "score": 0.5}])
    with mlt.prompt_span("p", template="T {x}", variables={"x": "v"}):
        pass
    with mlt.embedding_span("text-embedding-3-small", texts=["embed me"]) as emb:
        emb.set_embeddings([[0.25, 0.5]])


def _run(**options: Any) -> dict[str, dict[str, Any]]:
    cap = capture_spans(sanitize_pii=False, **options)
    try:
        _exercise()
        return {s.name: dict(s.attributes or {}) for s in cap.spans}
    finally:
        cap.telemetry.shutdown()


CONTENT_MARKERS = (SECRET_Q, "It is 0000", "alpha", "beta", "Doc text", "T {x}", "embed me")


def _content_found(spans: dict[str, dict[str, Any]]) -> set[str]:
    found = set()
    for attrs in spans.values():
        for v in attrs.values():
            for marker in CONTENT_MARKERS:
                if isinstance(v, str) and marker in v:
                    found.add(marker)
    return found


def test_off_by_default_but_sizes_counts_roles_recorded() -> None:
    spans = _run()
    assert _content_found(spans) == set()
    llm = spans["chat gpt-4o"]
    assert llm[sc.CONTENT_MESSAGE_COUNT] == 2
    assert llm[sc.CONTENT_INPUT_LENGTH] == len("Be brief.") + len(SECRET_Q)
    assert llm[sc.CONTENT_OUTPUT_LENGTH] == len("It is 0000.")
    assert llm[sc.input_message_key(1, "role")] == "user"
    assert sc.input_message_key(1, "content") not in llm
    for key in (
        sc.INPUT_VALUE,
        sc.OUTPUT_VALUE,
        sc.GEN_AI_INPUT_MESSAGES,
        sc.GEN_AI_OUTPUT_MESSAGES,
    ):
        assert key not in llm
    assert llm[sc.LLM_TOKEN_TOTAL] == 14  # usage is never content
    tool = spans["execute_tool lookup"]
    assert tool[sc.CONTENT_INPUT_LENGTH] == len('{"code":"alpha"}')
    assert sc.TOOL_PARAMETERS not in tool
    ret = spans["retrieval kb"]
    assert ret[sc.DOCUMENT_COUNT] == 1
    assert ret[sc.document_key(0, "id")] == "d1"  # ids and scores are not content
    assert ret[sc.document_key(0, "score")] == 0.5
    assert spans["prompt p"][sc.PROMPT_VARIABLE_NAMES] == ("x",)
    emb = spans["embeddings text-embedding-3-small"]
    assert emb[sc.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 2
    assert not any(k.endswith(".embedding.vector") for k in emb)


def test_master_switch_captures_everything_but_vectors() -> None:
    spans = _run(capture_content=True)
    assert _content_found(spans) == set(CONTENT_MARKERS)
    emb = spans["embeddings text-embedding-3-small"]
    assert not any(k.endswith(".embedding.vector") for k in emb)


def test_vectors_only_when_asked() -> None:
    emb = _run(capture_embeddings_vectors=True)["embeddings text-embedding-3-small"]
    assert emb[f"{sc.EMBEDDING_EMBEDDINGS}.0.embedding.vector"] == (0.25, 0.5)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("capture_prompts", {SECRET_Q, "T {x}", "embed me"}),
        ("capture_completions", {"It is 0000"}),
        ("capture_tool_io", {"alpha", "beta"}),
        ("capture_documents", {"Doc text"}),
    ],
)
def test_each_category_alone(option: str, expected: set[str]) -> None:
    assert _content_found(_run(**{option: True})) == expected


def test_category_overrides_master() -> None:
    found = _content_found(_run(capture_content=True, capture_tool_io=False))
    assert "alpha" not in found
    assert "beta" not in found
    assert SECRET_Q in found


@pytest.mark.parametrize(
    ("env", "hidden"),
    [
        ("OPENINFERENCE_HIDE_INPUTS", {SECRET_Q, "alpha", "T {x}", "embed me"}),
        ("OPENINFERENCE_HIDE_OUTPUTS", {"It is 0000", "beta", "Doc text"}),
    ],
)
def test_openinference_hide_env(
    monkeypatch: pytest.MonkeyPatch, env: str, hidden: set[str]
) -> None:
    monkeypatch.setenv(env, "true")
    found = _content_found(_run(capture_content=True))
    assert found == set(CONTENT_MARKERS) - hidden


def test_otel_genai_capture_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    assert _content_found(_run()) == set(CONTENT_MARKERS)


@pytest.mark.mcp_llm_trace(capture_content=True, sanitize_pii=False, capture_max_span_bytes=2048)
def test_span_budget_trims_content_first(captured_spans: CapturedSpans) -> None:
    big = "lorem ipsum " * 1000
    with mlt.llm_span("gpt-4o", provider="openai") as llm:
        llm.set_input([{"role": "user", "content": big}, {"role": "user", "content": "short q"}])
        llm.set_output("short answer")
        llm.set_usage(input_tokens=3000, output_tokens=3)
        llm.set_response(model="gpt-4o", response_id="resp-123")
    a = captured_spans.attributes_of("chat gpt-4o")
    assert a[sc.CONTENT_TRIMMED] is True
    total = sum(len(v) for v in a.values() if isinstance(v, str))
    assert total <= 2048
    # never trimmed: model, usage, ids
    assert a[sc.LLM_MODEL_NAME] == "gpt-4o"
    assert a[sc.GEN_AI_RESPONSE_ID] == "resp-123"
    assert a[sc.LLM_TOKEN_PROMPT] == 3000
    assert a[sc.LLM_TOKEN_TOTAL] == 3003
    # the big message content is what got cut
    assert len(a[sc.input_message_key(0, "content")]) < len(big)


@pytest.mark.mcp_llm_trace(capture_content=True, sanitize_pii=False)
def test_small_span_not_trimmed(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span("gpt-4o") as llm:
        llm.set_input("hi")
    assert sc.CONTENT_TRIMMED not in captured_spans.attributes_of("chat gpt-4o")
