"""Handles with kind-specific methods: LLM (messages, usage, streaming), retrieval
(documents), embeddings. Pure attribute formatting lives in ``messages.py``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal import messages as msg
from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.handle import SpanHandle
from mcp_llm_trace._internal.pending import remember_text
from mcp_llm_trace._internal.runtime import Runtime

_OUT_ROLE_KEY = sc.output_message_key(0, "role")
_OUT_CONTENT_KEY = sc.output_message_key(0, "content")


class LLMSpanHandle(SpanHandle):
    """Handle of ``llm_span``: messages in both conventions, usage, streaming."""

    __slots__ = ("_in_json", "_in_msgs", "_out_text", "_usage")

    def __init__(
        self,
        rt: Runtime,
        name: str,
        attributes: dict[str, AttributeValue],
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        family: str = "generic",
        metric: str | None = None,
    ) -> None:
        SpanHandle.__init__(self, rt, name, attributes, kind=kind, family=family, metric=metric)
        self._in_msgs: list[dict[str, Any]] | None = None
        self._in_json: str | None = None  # to_json(_in_msgs) once computed
        self._out_text: str | None = None
        self._usage: tuple[int, int] | None = None

    def set_input(self, value: Any) -> LLMSpanHandle:
        """Input messages: a string, a message dict/object, or a list of them."""
        try:
            if not self.span.is_recording():
                return self
            capture = self._captures(False)
            rt = self._rt
            want_plain = capture and rt.openinference
            want_genai = capture and rt.genai
            # input.value and gen_ai.input.messages share one encoding of each string;
            # the usual [{"role", "content"}, ...] input is normalized in the same pass.
            fast = msg.text_input(value, plain=want_plain, genai=want_genai)
            if fast is not None:
                messages, length, plain, genai = fast
            else:
                messages = msg.normalize_messages(value)
                length = msg.content_length(messages)
                plain, genai = msg.message_jsons(messages, plain=want_plain, genai=want_genai)
            self._in_msgs = messages
            self._in_json = plain
            p = self._pending
            p[sc.CONTENT_MESSAGE_COUNT] = len(messages)
            p[sc.CONTENT_INPUT_LENGTH] = length
            if rt.openinference:
                p.update(msg.openinference_messages(messages, output=False, with_content=capture))
                if plain is not None:
                    p[sc.INPUT_VALUE] = plain
                    p[sc.INPUT_MIME_TYPE] = sc.MIME_JSON
            if genai is not None:
                p[sc.GEN_AI_INPUT_MESSAGES] = genai
        except Exception as exc:
            report_internal_error("span.set_input", exc)
        return self

    def set_output(self, value: Any, *, finish_reason: str | None = None) -> LLMSpanHandle:
        """Output message(s) or text; ``finish_reason`` as the provider returned it."""
        try:
            self._output_set = True
            if not self.span.is_recording():
                return self
            if type(value) is str:
                self._text_output(value, finish_reason)
                return self
            messages = msg.normalize_messages(value, default_role="assistant")
            if len(messages) == 1:
                self._out_text = messages[0].get("content") or ""
            else:
                self._out_text = "".join(m.get("content") or "" for m in messages)
            p = self._pending
            p[sc.CONTENT_OUTPUT_MESSAGE_COUNT] = len(messages)
            p[sc.CONTENT_OUTPUT_LENGTH] = len(self._out_text)
            capture = self._captures(True)
            rt = self._rt
            self._finish_reason(finish_reason)
            if rt.openinference:
                p.update(msg.openinference_messages(messages, output=True, with_content=capture))
                if capture:
                    single = len(messages) == 1 and not messages[0].get("tool_calls")
                    p[sc.OUTPUT_VALUE] = self._out_text if single else msg.to_json(messages)
                    p[sc.OUTPUT_MIME_TYPE] = sc.MIME_TEXT if single else sc.MIME_JSON
            if rt.genai and capture:
                p[sc.GEN_AI_OUTPUT_MESSAGES] = msg.genai_messages_json(
                    messages, finish_reason=finish_reason or "stop"
                )
        except Exception as exc:
            report_internal_error("span.set_output", exc)
        return self

    def _text_output(self, text: str, finish_reason: str | None) -> None:
        """``set_output("...")``: what the general path records for the one assistant
        message ``{"role": "assistant", "content": text}``, in the same key order."""
        self._out_text = text
        p = self._pending
        p[sc.CONTENT_OUTPUT_MESSAGE_COUNT] = 1
        p[sc.CONTENT_OUTPUT_LENGTH] = len(text)
        capture = self._captures(True)
        rt = self._rt
        self._finish_reason(finish_reason)
        if rt.openinference:
            p[_OUT_ROLE_KEY] = "assistant"
            if capture:
                if text:
                    p[_OUT_CONTENT_KEY] = text
                p[sc.OUTPUT_VALUE] = text
                p[sc.OUTPUT_MIME_TYPE] = sc.MIME_TEXT
        if rt.genai and capture:
            p[sc.GEN_AI_OUTPUT_MESSAGES] = msg.assistant_text_json(text, finish_reason or "stop")

    def _finish_reason(self, finish_reason: str | None) -> None:
        if finish_reason is not None:
            p = self._pending
            rt = self._rt
            if rt.genai:
                p[sc.GEN_AI_RESPONSE_FINISH_REASONS] = [finish_reason]
            if rt.openinference:
                p[sc.LLM_FINISH_REASON] = finish_reason

    def set_usage(
        self,
        usage: Any = None,
        *,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
        total_tokens: int | None = None,
    ) -> LLMSpanHandle:
        """Provider-reported usage (wins over any count of ours). Accepts keywords or a
        ``Usage`` object. ``input_tokens`` includes cache read/write, ``output_tokens``
        includes reasoning (the OTel GenAI convention)."""
        try:
            if usage is not None:
                input_tokens = getattr(usage, "input_tokens", input_tokens)
                output_tokens = getattr(usage, "output_tokens", output_tokens)
                cache_read_tokens = getattr(usage, "cache_read_tokens", cache_read_tokens)
                cache_write_tokens = getattr(usage, "cache_write_tokens", cache_write_tokens)
                reasoning_tokens = getattr(usage, "reasoning_tokens", reasoning_tokens)
            self._usage_set = True
            self._usage = (int(input_tokens or 0), int(output_tokens or 0))
            rt = self._rt
            self._pending.update(
                msg.usage_attributes(
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    cache_read_tokens=cache_read_tokens,
                    cache_write_tokens=cache_write_tokens,
                    reasoning_tokens=reasoning_tokens,
                    total_tokens=total_tokens,
                    openinference=rt.openinference,
                    genai=rt.genai,
                )
            )
            self._pending[sc.USAGE_SOURCE] = "provider"
        except Exception as exc:
            report_internal_error("span.set_usage", exc)
        return self

    def set_invocation_parameters(self, params: Mapping[str, Any]) -> LLMSpanHandle:
        """Request parameters (temperature, max_tokens, …)."""
        try:
            rt = self._rt
            self._pending.update(
                msg.invocation_attributes(params, openinference=rt.openinference, genai=rt.genai)
            )
        except Exception as exc:
            report_internal_error("span.set_invocation_parameters", exc)
        return self

    def set_response(
        self,
        *,
        model: str | None = None,
        response_id: str | None = None,
        finish_reasons: Sequence[str] | None = None,
    ) -> LLMSpanHandle:
        """Response metadata: the model that answered, the provider's response id."""
        p = self._pending
        rt = self._rt
        if model:
            if rt.genai:
                p[sc.GEN_AI_RESPONSE_MODEL] = model
            if rt.openinference:
                p[sc.LLM_MODEL_NAME] = model
        if rt.genai:
            if response_id:
                p[sc.GEN_AI_RESPONSE_ID] = response_id
            if finish_reasons:
                p[sc.GEN_AI_RESPONSE_FINISH_REASONS] = list(finish_reasons)
        elif finish_reasons:
            p[sc.LLM_FINISH_REASON] = finish_reasons[0]
        return self

    def set_tools(self, tools: Sequence[Mapping[str, Any]]) -> LLMSpanHandle:
        """Tool definitions offered to the model (JSON)."""
        p = self._pending
        if self._rt.openinference:
            for i, tool in enumerate(tools):
                p[f"{sc.LLM_TOOLS}.{i}.tool.json_schema"] = msg.to_json(tool)
        if self._rt.genai and self._captures(False):
            p[sc.GEN_AI_TOOL_DEFINITIONS] = msg.to_json(list(tools))
        return self

    def _finish(self) -> None:
        super()._finish()
        if not self._usage_set and self._kind_is_priced():
            # No provider usage: hand the text to the export thread, which counts it
            # (marked estimated) — never count on the caller's thread.
            in_text = (self._in_json or msg.to_json(self._in_msgs)) if self._in_msgs else ""
            if in_text or self._out_text:
                remember_text(self.span, in_text, self._out_text or "")

    def _kind_is_priced(self) -> bool:
        return True


class DocumentsHandle(SpanHandle):
    """Handle of ``retriever_span``/``reranker_span``/``vector_search_span``."""

    __slots__ = ()

    def set_documents(self, documents: Sequence[Any]) -> DocumentsHandle:
        """Documents as dicts ``{"id", "content", "score", "metadata"}`` or strings."""
        try:
            if not self.span.is_recording():
                return self
            docs = list(documents)
            capture = self._captures(True)
            p = self._pending
            p[sc.DOCUMENT_COUNT] = len(docs)
            rt = self._rt
            key = (
                sc.document_key
                if self._family != "reranker"
                else lambda i, f: f"{sc.RERANKER_OUTPUT_DOCUMENTS}.{i}.document.{f}"
            )
            if rt.openinference:
                p.update(msg.document_attributes(docs, with_content=capture, key=key))
            if rt.genai:
                p[sc.GEN_AI_RETRIEVAL_DOCUMENTS] = msg.genai_documents_json(
                    docs, with_content=capture
                )
        except Exception as exc:
            report_internal_error("span.set_documents", exc)
        return self

    def set_input_documents(self, documents: Sequence[Any]) -> DocumentsHandle:
        """Reranker input documents."""
        if not self.span.is_recording() or not self._rt.openinference:
            return self  # GenAI has no reranker keys
        self._pending.update(
            msg.document_attributes(
                list(documents),
                with_content=self._captures(False),
                key=lambda i, f: f"{sc.RERANKER_INPUT_DOCUMENTS}.{i}.document.{f}",
            )
        )
        return self


class EmbeddingHandle(SpanHandle):
    """Handle of ``embedding_span``."""

    __slots__ = ()

    def set_embeddings(self, vectors: Sequence[Sequence[float]]) -> EmbeddingHandle:
        """Result vectors: dimension count always, the vectors only when captured."""
        try:
            if not self.span.is_recording() or not vectors:
                return self
            p = self._pending
            if self._rt.genai:
                p[sc.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = len(vectors[0])
            cap = self._rt.capture
            if cap is not None and cap.embeddings_vectors and self._rt.openinference:
                for i, v in enumerate(vectors):
                    p[f"{sc.EMBEDDING_EMBEDDINGS}.{i}.embedding.vector"] = [float(x) for x in v]
        except Exception as exc:
            report_internal_error("span.set_embeddings", exc)
        return self

    def set_usage(self, *, input_tokens: int) -> EmbeddingHandle:
        """Tokens billed for the embedding request."""
        self._usage_set = True
        rt = self._rt
        self._pending.update(
            msg.usage_attributes(
                input_tokens=input_tokens,
                output_tokens=0,
                openinference=rt.openinference,
                genai=rt.genai,
            )
        )
        return self


def texts_attributes(texts: Sequence[str], *, capture: bool) -> dict[str, AttributeValue]:
    """``embedding.embeddings.{i}.embedding.text`` for captured texts."""
    if not capture:
        return {sc.CONTENT_MESSAGE_COUNT: len(texts)}
    out: dict[str, AttributeValue] = {sc.CONTENT_MESSAGE_COUNT: len(texts)}
    for i, t in enumerate(texts):
        out[f"{sc.EMBEDDING_EMBEDDINGS}.{i}.embedding.text"] = str(t)
    return out
