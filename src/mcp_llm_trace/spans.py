"""Span helpers: one per kind of LLM/MCP/gateway operation, dual semantic conventions.

Every helper returns a handle that is a sync and async context manager (and a decorator);
with telemetry off it returns a shared no-op handle (cost ≈ a function call).

Example::

    with mlt.llm_span(model="gpt-4o", provider="openai") as span:
        span.set_input([{"role": "user", "content": "hi"}])
        span.set_output("hello")
        span.set_usage(input_tokens=8, output_tokens=2)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.trace import SpanKind
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.handle import SpanHandle, coerce, deferred_noop
from mcp_llm_trace._internal.llm_handle import (
    DocumentsHandle,
    EmbeddingHandle,
    LLMSpanHandle,
    texts_attributes,
)
from mcp_llm_trace._internal.messages import to_json
from mcp_llm_trace._internal.provider_names import provider_names
from mcp_llm_trace._internal.runtime import Runtime, active

H = TypeVar("H", bound=SpanHandle)

__all__ = [
    "add_event",
    "agent_span",
    "batch_span",
    "cache_span",
    "chain_span",
    "create_span",
    "db_span",
    "embedding_span",
    "federation_forward",
    "guardrail_span",
    "llm_span",
    "mcp_prompt_get",
    "mcp_resource_read",
    "mcp_tool_call",
    "plugin_span",
    "prompt_span",
    "record_cache",
    "record_exception",
    "record_plugin",
    "record_retry",
    "reranker_span",
    "retriever_span",
    "set_attribute",
    "set_attributes",
    "tool_span",
    "vector_search_span",
]


def _kind_attrs(rt: Runtime, oi_kind: str, op: str | None) -> dict[str, AttributeValue]:
    a: dict[str, AttributeValue] = {}
    if rt.openinference:
        a[sc.SPAN_KIND] = oi_kind
    if rt.genai and op:
        a[sc.GEN_AI_OPERATION_NAME] = op
    return a


def _extra(a: dict[str, AttributeValue], attributes: Mapping[str, Any] | None) -> None:
    if attributes:
        a.update(coerce(attributes))


def _decorable(h: H, maker: Any, args: tuple[Any, ...], kw: dict[str, Any]) -> H:
    h._decorator_args = (maker, args, kw)
    return h


def create_span(
    name: str,
    *,
    attributes: Mapping[str, Any] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    openinference_kind: str | None = None,
) -> SpanHandle:
    """A generic span (sync/async context manager). ``openinference_kind`` sets the
    Phoenix span kind (e.g. ``"CHAIN"``)."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(create_span, locals())
    a: dict[str, AttributeValue] = {}
    if openinference_kind and rt.openinference:
        a[sc.SPAN_KIND] = openinference_kind
    _extra(a, attributes)
    h = SpanHandle(rt, name, a, kind=kind)
    return _decorable(
        h,
        create_span,
        (name,),
        {"attributes": attributes, "kind": kind, "openinference_kind": openinference_kind},
    )


def llm_span(
    model: str | None = None,
    *,
    provider: str | None = None,
    operation: str = "chat",
    name: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    stream: bool | None = None,
) -> LLMSpanHandle:
    """A model call. Span name ``"{operation} {model}"`` (GenAI convention), kind CLIENT.

    On exit: usage missing → counted from the captured text in the export thread
    (marked estimated); cost computed there; an exception → status ERROR, re-raised.
    """
    rt = active()
    if rt.tracer is None:
        return deferred_noop(llm_span, locals())  # type: ignore[return-value]
    starts = rt.llm_starts
    key = (model, provider, operation, stream, name)
    hashable = True
    try:
        # stream is tested by identity: 1 == True would otherwise share True's entry.
        start = starts.get(key) if stream is None or stream is True or stream is False else None
    except TypeError:  # an unhashable argument: build it uncached
        start, hashable = None, False
    if start is None:
        start = _llm_start(rt, model, provider, operation, stream, name)
        if hashable and len(starts) < _LLM_STARTS_MAX and _cacheable(key):
            starts[key] = start
    a = start[0].copy()  # the handle's own dict: nothing shared is ever mutated
    _extra(a, attributes)
    h = LLMSpanHandle(rt, start[1], a, kind=SpanKind.CLIENT, family="llm", metric="genai")
    h._decorator_args = (
        llm_span,
        (model,),
        {
            "provider": provider,
            "operation": operation,
            "name": name,
            "attributes": attributes,
            "stream": stream,
        },
    )
    return h


#: Distinct (model, provider, operation, stream, name) start entries kept per runtime;
#: past it (an application minting model names) spans are built uncached.
_LLM_STARTS_MAX = 256


def _cacheable(key: tuple[Any, ...]) -> bool:
    """Only exact ``str``/``None`` names and a ``bool``/``None`` stream are stored: an
    entry then holds exactly the values and types a fresh build would."""
    for v in key:
        t = type(v)
        if t is not str and v is not None and t is not bool:
            return False
    return True


def _llm_start(
    rt: Runtime,
    model: str | None,
    provider: str | None,
    operation: str,
    stream: bool | None,
    name: str | None,
) -> tuple[dict[str, AttributeValue], str]:
    """Start attributes and span name of an ``llm_span`` (before user attributes)."""
    a = _kind_attrs(rt, sc.KIND_LLM, operation)
    names = provider_names(provider)
    if model:
        if rt.openinference:
            a[sc.LLM_MODEL_NAME] = model
        if rt.genai:
            a[sc.GEN_AI_REQUEST_MODEL] = model
    if names is not None:
        if rt.openinference:
            a[sc.LLM_PROVIDER] = names.openinference
            a[sc.LLM_SYSTEM] = names.system
        if rt.genai:
            a[sc.GEN_AI_PROVIDER_NAME] = names.genai
    if stream is not None and rt.genai:
        a[sc.GEN_AI_REQUEST_STREAM] = stream
    return a, name or (f"{operation} {model}" if model else operation)


def tool_span(
    tool_name: str,
    *,
    arguments: Any = None,
    description: str | None = None,
    call_id: str | None = None,
    tool_type: str = "function",
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """A tool execution: ``execute_tool {name}``, OpenInference TOOL. ``arguments`` are
    captured under the ``tool_io`` rule (their size is always recorded)."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(tool_span, locals())
    a = _kind_attrs(rt, sc.KIND_TOOL, "execute_tool")
    if rt.openinference:
        a[sc.TOOL_NAME] = tool_name
        if description:
            a[sc.TOOL_DESCRIPTION] = description
        if call_id:
            a[sc.TOOL_ID] = call_id
    if rt.genai:
        a[sc.GEN_AI_TOOL_NAME] = tool_name
        a[sc.GEN_AI_TOOL_TYPE] = tool_type
        if description:
            a[sc.GEN_AI_TOOL_DESCRIPTION] = description
        if call_id:
            a[sc.GEN_AI_TOOL_CALL_ID] = call_id
    _extra(a, attributes)
    h = SpanHandle(rt, f"execute_tool {tool_name}", a, family="tool", metric="tool")
    if arguments is not None:
        _tool_arguments(h, arguments)
    return _decorable(
        h,
        tool_span,
        (tool_name,),
        {"description": description, "tool_type": tool_type, "attributes": attributes},
    )


def _tool_arguments(h: SpanHandle, arguments: Any) -> None:
    text = to_json(arguments)
    h._attrs[sc.CONTENT_INPUT_LENGTH] = len(text)
    if h._captures(False):
        rt = h._rt
        if rt.openinference:
            h._attrs[sc.TOOL_PARAMETERS] = text
            h._attrs[sc.INPUT_VALUE] = text
            h._attrs[sc.INPUT_MIME_TYPE] = sc.MIME_JSON
        if rt.genai:
            h._attrs[sc.GEN_AI_TOOL_CALL_ARGUMENTS] = text


def prompt_span(
    name: str,
    *,
    template: str | None = None,
    variables: Mapping[str, Any] | None = None,
    version: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> SpanHandle:
    """Rendering a prompt template: OpenInference PROMPT kind; template/variables are
    content (captured under ``prompts``); variable *names* are always recorded."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(prompt_span, locals())
    a = _kind_attrs(rt, sc.KIND_PROMPT, None)
    if rt.genai:
        a[sc.GEN_AI_PROMPT_NAME] = name
    if version is not None and rt.openinference:
        a[sc.LLM_PROMPT_TEMPLATE_VERSION] = str(version)
    if variables:
        a[sc.PROMPT_VARIABLE_NAMES] = sorted(str(k) for k in variables)
    h = SpanHandle(rt, f"prompt {name}", a, family="prompt")
    if rt.openinference and h._captures(False):  # GenAI has no template keys
        if template is not None:
            a[sc.LLM_PROMPT_TEMPLATE] = template
        if variables:
            a[sc.LLM_PROMPT_TEMPLATE_VARIABLES] = to_json(dict(variables))
    _extra(a, attributes)
    return _decorable(
        h,
        prompt_span,
        (name,),
        {"template": template, "version": version, "attributes": attributes},
    )


def retriever_span(
    query: str | None = None,
    *,
    data_source: str | None = None,
    top_k: int | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> DocumentsHandle:
    """A RAG retrieval: OpenInference RETRIEVER, ``gen_ai.operation.name=retrieval``."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(retriever_span, locals())  # type: ignore[return-value]
    a = _kind_attrs(rt, sc.KIND_RETRIEVER, "retrieval")
    if data_source and rt.genai:
        a[sc.GEN_AI_DATA_SOURCE_ID] = data_source
    if top_k is not None:
        a[sc.VECTOR_TOP_K] = top_k
    h = DocumentsHandle(
        rt,
        f"retrieval {data_source}" if data_source else "retrieval",
        a,
        family="retriever",
        metric="genai",
    )
    if query is not None:
        a[sc.CONTENT_INPUT_LENGTH] = len(query)
        if h._captures(False):
            _query_attributes(rt, a, query)
    _extra(a, attributes)
    return _decorable(
        h,
        retriever_span,
        (),
        {"data_source": data_source, "top_k": top_k, "attributes": attributes},
    )


def _query_attributes(rt: Runtime, a: dict[str, AttributeValue], query: str) -> None:
    if rt.openinference:
        a[sc.INPUT_VALUE] = query
    if rt.genai:
        a[sc.GEN_AI_RETRIEVAL_QUERY_TEXT] = query


def embedding_span(
    model: str | None = None,
    *,
    texts: Sequence[str] | None = None,
    provider: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> EmbeddingHandle:
    """An embeddings call: OpenInference EMBEDDING, ``embeddings {model}``; priced."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(embedding_span, locals())  # type: ignore[return-value]
    a = _kind_attrs(rt, sc.KIND_EMBEDDING, "embeddings")
    if model:
        if rt.genai:
            a[sc.GEN_AI_REQUEST_MODEL] = model
        if rt.openinference:
            a[sc.EMBEDDING_MODEL_NAME] = model
            a[sc.LLM_MODEL_NAME] = model
    names = provider_names(provider)
    if names is not None:
        if rt.genai:
            a[sc.GEN_AI_PROVIDER_NAME] = names.genai
        if rt.openinference:
            a[sc.LLM_PROVIDER] = names.openinference
    h = EmbeddingHandle(
        rt,
        f"embeddings {model}" if model else "embeddings",
        a,
        kind=SpanKind.CLIENT,
        family="embedding",
        metric="genai",
    )
    if texts is not None:
        a.update(texts_attributes(texts, capture=h._captures(False) and rt.openinference))
    _extra(a, attributes)
    return _decorable(h, embedding_span, (model,), {"provider": provider, "attributes": attributes})


def vector_search_span(
    collection: str,
    *,
    top_k: int | None = None,
    db_system: str | None = None,
    query: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> DocumentsHandle:
    """A vector-store query (Qdrant, pgvector, …): RETRIEVER kind + ``db.*`` keys."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(vector_search_span, locals())  # type: ignore[return-value]
    a = _kind_attrs(rt, sc.KIND_RETRIEVER, "retrieval")
    a[sc.DB_COLLECTION_NAME] = collection
    a[sc.DB_OPERATION_NAME] = "search"
    if db_system:
        a[sc.DB_SYSTEM] = db_system
    if top_k is not None:
        a[sc.VECTOR_TOP_K] = top_k
    h = DocumentsHandle(
        rt, f"search {collection}", a, kind=SpanKind.CLIENT, family="retriever", metric="db"
    )
    if query is not None:
        a[sc.CONTENT_INPUT_LENGTH] = len(query)
        if h._captures(False):
            _query_attributes(rt, a, query)
    _extra(a, attributes)
    return _decorable(
        h,
        vector_search_span,
        (collection,),
        {"top_k": top_k, "db_system": db_system, "attributes": attributes},
    )


def reranker_span(
    model: str | None = None,
    *,
    query: str | None = None,
    top_k: int | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> DocumentsHandle:
    """Reranking retrieved documents: OpenInference RERANKER."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(reranker_span, locals())  # type: ignore[return-value]
    a = _kind_attrs(rt, sc.KIND_RERANKER, None)
    if model and rt.openinference:
        a[sc.RERANKER_MODEL_NAME] = model
    if top_k is not None and rt.openinference:
        a[sc.RERANKER_TOP_K] = top_k
    h = DocumentsHandle(rt, f"rerank {model}" if model else "rerank", a, family="reranker")
    if query is not None and rt.openinference and h._captures(False):
        a[sc.RERANKER_QUERY] = query
    _extra(a, attributes)
    return _decorable(h, reranker_span, (model,), {"top_k": top_k, "attributes": attributes})


def agent_span(name: str, *, attributes: Mapping[str, Any] | None = None) -> SpanHandle:
    """An agent run: OpenInference AGENT, ``invoke_agent {name}``."""
    rt = active()
    if rt.tracer is None:
        return deferred_noop(agent_span, locals())
    a = _kind_attrs(rt, sc.KIND_AGENT, "invoke_agent")
    if rt.genai:
        a[sc.GEN_AI_AGENT_NAME] = name
    if rt.openinference:
        a[sc.AGENT_NAME] = name
    _extra(a, attributes)
    h = SpanHandle(rt, f"invoke_agent {name}", a)
    return _decorable(h, agent_span, (name,), {"attributes": attributes})


def chain_span(name: str, *, attributes: Mapping[str, Any] | None = None) -> SpanHandle:
    """A pipeline step grouping others (RAG pipeline, gateway request): CHAIN."""
    return _simple(name, sc.KIND_CHAIN, attributes, chain_span)


def guardrail_span(name: str, *, attributes: Mapping[str, Any] | None = None) -> SpanHandle:
    """A guardrail/moderation check: GUARDRAIL kind. Use ``set_error`` when it blocks."""
    return _simple(f"guardrail {name}", sc.KIND_GUARDRAIL, attributes, guardrail_span, name)


def _simple(
    name: str,
    oi_kind: str,
    attributes: Mapping[str, Any] | None,
    maker: Any,
    original: str | None = None,
) -> SpanHandle:
    rt = active()
    if rt.tracer is None:
        return deferred_noop(maker, {"name": original or name, "attributes": attributes})
    a = _kind_attrs(rt, oi_kind, None)
    _extra(a, attributes)
    h = SpanHandle(rt, name, a)
    return _decorable(h, maker, (original or name,), {"attributes": attributes})


def _current() -> trace.Span:
    return trace.get_current_span()


def set_attribute(key: str, value: Any) -> None:
    """Set an attribute on the current span (no-op outside a span)."""
    span = _current()
    if span.is_recording():
        span.set_attributes(coerce({key: value}))


def set_attributes(attributes: Mapping[str, Any]) -> None:
    """Set attributes on the current span."""
    span = _current()
    if span.is_recording():
        span.set_attributes(coerce(attributes))


def add_event(name: str, attributes: Mapping[str, Any] | None = None) -> None:
    """Add an event to the current span."""
    span = _current()
    if span.is_recording():
        span.add_event(name, coerce(attributes) if attributes else None)


def record_exception(exc: BaseException, *, set_error: bool = True) -> None:
    """Record an exception on the current span (status ERROR unless told not to)."""
    from opentelemetry.trace import Status, StatusCode

    span = _current()
    if span.is_recording():
        span.record_exception(exc)
        if set_error:
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
            span.set_attribute(sc.ERROR_TYPE, type(exc).__qualname__)


from mcp_llm_trace.gateway_spans import (  # noqa: E402 — re-exported helpers
    batch_span,
    cache_span,
    db_span,
    federation_forward,
    mcp_prompt_get,
    mcp_resource_read,
    mcp_tool_call,
    plugin_span,
    record_cache,
    record_plugin,
    record_retry,
)
