"""``CounterpartTransform``: complete LLM/embedding spans made by other instrumentation.

Spans from OpenInference instrumentors, the OTel GenAI instrumentations and OpenLLMetry
each carry one convention (or an older dialect of one). For every LLM or embedding span
that is not ours, this export-thread transform adds what the configured ``semconv`` asks
for and the span lacks:

* span kind / operation: ``openinference.span.kind`` ↔ ``gen_ai.operation.name``
  (OpenLLMetry's ``llm.request.type`` counts as the operation);
* model and provider: ``llm.model_name`` ↔ ``gen_ai.request.model``,
  ``llm.provider``/``llm.system`` ↔ ``gen_ai.provider.name`` (and the deprecated
  ``gen_ai.system``), with the provider names of each convention;
* token counts from OpenLLMetry's legacy keys (``gen_ai.usage.prompt_tokens`` …,
  ``llm.usage.total_tokens``) — the cost transform that runs next then prices the span
  and writes the remaining token counterparts and ``llm.token_count.total``;
* messages: ``llm.input_messages.*`` ↔ ``gen_ai.input.messages`` (and output), from
  OpenLLMetry's ``gen_ai.prompt.{i}.*``/``gen_ai.completion.{i}.*`` too, plus
  ``input.value``/``output.value`` and the finish reason.

It never overwrites a key the span already has, and leaves our own spans alone (they
already carry what ``semconv`` asks for). Runs in the export thread, *before* cost
enrichment, so foreign usage and models are visible to pricing; the scrubber runs after.

Example::

    PipelineExporter([CounterpartTransform(cfg), CostEnrichmentTransform(cfg), ...], exp)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import messages as msgfmt
from mcp_llm_trace._internal.attrs import first_str as _str
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.provider_names import provider_names
from mcp_llm_trace._internal.spancopy import with_attributes
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.interop import _messages as rd

__all__ = ["CounterpartTransform", "counterpart_attributes"]

_OPS = sc.G.GenAiOperationNameValues
_LLM_OPS = frozenset({_OPS.CHAT.value, _OPS.TEXT_COMPLETION.value, _OPS.GENERATE_CONTENT.value})
_EMBED_OP = _OPS.EMBEDDINGS.value
#: OpenLLMetry ``llm.request.type`` → GenAI operation.
_REQUEST_TYPE_OPS = {
    "chat": _OPS.CHAT.value,
    "completion": _OPS.TEXT_COMPLETION.value,
    "embedding": _EMBED_OP,
}
#: Foreign usage key (OpenLLMetry, newer GenAI names) → (OpenInference key, GenAI key).
_LEGACY_TOKENS = (
    (sc.OPENLLMETRY_USAGE_PROMPT_TOKENS, sc.LLM_TOKEN_PROMPT, sc.GEN_AI_USAGE_INPUT_TOKENS),
    (
        sc.OPENLLMETRY_USAGE_COMPLETION_TOKENS,
        sc.LLM_TOKEN_COMPLETION,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
    ),
    (sc.OPENLLMETRY_USAGE_CACHE_READ, sc.LLM_TOKEN_CACHE_READ, sc.GEN_AI_USAGE_CACHE_READ),
    (sc.OPENLLMETRY_USAGE_CACHE_WRITE, sc.LLM_TOKEN_CACHE_WRITE, sc.GEN_AI_USAGE_CACHE_WRITE),
    (sc.GEN_AI_USAGE_CACHE_WRITE_ALT, sc.LLM_TOKEN_CACHE_WRITE, sc.GEN_AI_USAGE_CACHE_WRITE),
)
#: Instrumentation scope of the spans our own helpers make (already complete).
_OUR_SCOPE = "mcp_llm_trace"


class CounterpartTransform:
    """Export-path transform adding counterpart keys to foreign LLM/embedding spans.

    ``config.semconv`` decides what is written: ``both`` completes each convention from
    the other; ``openinference``/``genai`` only fill that convention (from whatever the
    span has). Called from the export thread only; stateless.
    """

    name = "interop_counterparts"

    def __init__(self, config: TelemetryConfig | None = None) -> None:
        cfg = config or TelemetryConfig()
        self.write_oi = cfg.semconv in ("both", "openinference")
        self.write_genai = cfg.semconv in ("both", "genai")

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """The batch with foreign LLM/embedding spans completed (same order and count)."""
        out: list[ReadableSpan] = []
        for span in spans:
            scope = span.instrumentation_scope
            if scope is not None and scope.name == _OUR_SCOPE:
                out.append(span)
                continue
            try:
                extra = counterpart_attributes(
                    dict(span.attributes or {}), oi=self.write_oi, genai=self.write_genai
                )
                out.append(with_attributes(span, extra) if extra else span)
            except Exception as exc:
                report_internal_error("interop.counterparts", exc)
                out.append(span)
        return out


def _family(attrs: Mapping[str, Any]) -> tuple[str, str] | None:
    """("llm"|"embedding", GenAI operation) when the span is a model call, else None."""
    kind = attrs.get(sc.SPAN_KIND)
    op = attrs.get(sc.GEN_AI_OPERATION_NAME)
    if not isinstance(op, str):
        op = _REQUEST_TYPE_OPS.get(str(attrs.get(sc.OPENLLMETRY_REQUEST_TYPE, "")))
    if kind == sc.KIND_EMBEDDING or (kind is None and op == _EMBED_OP):
        return "embedding", _EMBED_OP
    if kind == sc.KIND_LLM or (kind is None and op in _LLM_OPS):
        return "llm", op if op in _LLM_OPS else _OPS.CHAT.value
    return None


def counterpart_attributes(
    attrs: Mapping[str, Any], *, oi: bool = True, genai: bool = True
) -> dict[str, Any]:
    """The keys to add to a span with ``attrs`` (empty when it is not a model call).

    >>> counterpart_attributes({"gen_ai.operation.name": "chat",
    ...                         "gen_ai.request.model": "gpt-4o"})["llm.model_name"]
    'gpt-4o'
    """
    found = _family(attrs)
    if found is None:
        return {}
    family, op = found
    extra: dict[str, Any] = {}
    if oi:
        extra[sc.SPAN_KIND] = sc.KIND_EMBEDDING if family == "embedding" else sc.KIND_LLM
    if genai:
        extra[sc.GEN_AI_OPERATION_NAME] = op
    _model_provider(attrs, extra, family, oi=oi, genai=genai)
    _tokens(attrs, extra, oi=oi, genai=genai)
    if family == "llm":
        _messages(attrs, extra, oi=oi, genai=genai)
    elif oi:
        _embedding_texts(attrs, extra)
    return {k: v for k, v in extra.items() if k not in attrs and v is not None}


def _model_provider(
    attrs: Mapping[str, Any], extra: dict[str, Any], family: str, *, oi: bool, genai: bool
) -> None:
    oi_model = _str(attrs, sc.LLM_MODEL_NAME, sc.EMBEDDING_MODEL_NAME)
    genai_model = _str(attrs, sc.GEN_AI_RESPONSE_MODEL, sc.GEN_AI_REQUEST_MODEL)
    if genai and oi_model and genai_model is None:
        extra[sc.GEN_AI_REQUEST_MODEL] = oi_model  # what llm_span(model=...) writes
    if oi and genai_model:
        extra[sc.LLM_MODEL_NAME] = genai_model
        if family == "embedding":
            extra[sc.EMBEDDING_MODEL_NAME] = genai_model
    names = provider_names(
        _str(attrs, sc.GEN_AI_PROVIDER_NAME, sc.LLM_PROVIDER, sc.GEN_AI_SYSTEM, sc.LLM_SYSTEM)
    )
    if names is None:
        return
    if genai:
        extra[sc.GEN_AI_PROVIDER_NAME] = names.genai
    if oi:
        extra[sc.LLM_PROVIDER] = names.openinference
        extra[sc.LLM_SYSTEM] = names.system


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return None
    return int(value)


def _tokens(attrs: Mapping[str, Any], extra: dict[str, Any], *, oi: bool, genai: bool) -> None:
    # OpenLLMetry counts input like OTel does (cache included), so values map 1:1.
    for legacy, oi_key, genai_key in _LEGACY_TOKENS:
        value = _int(attrs.get(legacy))
        if value is None or oi_key in attrs or genai_key in attrs:
            continue
        if oi:
            extra[oi_key] = value
        if genai:
            extra[genai_key] = value
    total = _int(attrs.get(sc.OPENLLMETRY_USAGE_TOTAL_TOKENS))
    if oi and total is not None:
        extra[sc.LLM_TOKEN_TOTAL] = total


def _input(attrs: Mapping[str, Any]) -> list[rd.Message]:
    for msgs in (
        rd.from_openinference(attrs, output=False),
        rd.from_genai(
            attrs.get(sc.GEN_AI_INPUT_MESSAGES), attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS)
        ),
        rd.from_openllmetry(attrs, output=False)[0],
    ):
        if rd.has_text(msgs):
            return msgs
    return []


def _output(attrs: Mapping[str, Any]) -> tuple[list[rd.Message], str | None]:
    reason = _str(attrs, sc.LLM_FINISH_REASON)
    reasons = attrs.get(sc.GEN_AI_RESPONSE_FINISH_REASONS)
    if reason is None and isinstance(reasons, (list, tuple)) and reasons:
        reason = str(reasons[0])
    msgs = rd.from_openinference(attrs, output=True)
    if not rd.has_text(msgs):
        msgs = rd.from_genai(attrs.get(sc.GEN_AI_OUTPUT_MESSAGES))
    if not rd.has_text(msgs):
        msgs, oll_reason = rd.from_openllmetry(attrs, output=True)
        reason = reason or oll_reason
    return (msgs if rd.has_text(msgs) else []), reason


def _has_oi_messages(attrs: Mapping[str, Any], output: bool) -> bool:
    return rd.has_text(rd.from_openinference(attrs, output=output))


def _messages(attrs: Mapping[str, Any], extra: dict[str, Any], *, oi: bool, genai: bool) -> None:
    need_oi_in = oi and not _has_oi_messages(attrs, False)
    need_genai_in = genai and sc.GEN_AI_INPUT_MESSAGES not in attrs
    if need_oi_in or need_genai_in:
        msgs = _input(attrs)
        if msgs:
            if need_oi_in:
                extra.update(msgfmt.openinference_messages(msgs, output=False, with_content=True))
                extra[sc.INPUT_VALUE] = msgfmt.to_json(msgs)
                extra[sc.INPUT_MIME_TYPE] = sc.MIME_JSON
            if need_genai_in:
                extra[sc.GEN_AI_INPUT_MESSAGES] = msgfmt.genai_messages_json(msgs)
    out, reason = _output(attrs)
    if reason is not None:
        if oi:
            extra[sc.LLM_FINISH_REASON] = reason
        if genai:
            extra[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [reason]
    if not out:
        return
    if oi and not _has_oi_messages(attrs, True):
        extra.update(msgfmt.openinference_messages(out, output=True, with_content=True))
        single = len(out) == 1 and not out[0].get("tool_calls")
        text = "".join(str(m.get("content") or "") for m in out)
        extra[sc.OUTPUT_VALUE] = text if single else msgfmt.to_json(out)
        extra[sc.OUTPUT_MIME_TYPE] = sc.MIME_TEXT if single else sc.MIME_JSON
    if genai and sc.GEN_AI_OUTPUT_MESSAGES not in attrs:
        extra[sc.GEN_AI_OUTPUT_MESSAGES] = msgfmt.genai_messages_json(
            out, finish_reason=reason or "stop"
        )


def _embedding_texts(attrs: Mapping[str, Any], extra: dict[str, Any]) -> None:
    """OpenLLMetry puts embedding inputs under ``gen_ai.prompt.{i}.content``."""
    if any(k.startswith(f"{sc.EMBEDDING_EMBEDDINGS}.") for k in attrs):
        return
    msgs, _ = rd.from_openllmetry(attrs, output=False)
    for i, m in enumerate(msgs):
        if m.get("content"):
            extra[f"{sc.EMBEDDING_EMBEDDINGS}.{i}.{sc.EMBEDDING_TEXT}"] = m["content"]
