"""Attribute names: the one place they are defined.

Standard keys come from the installed ``openinference-semantic-conventions`` and
``opentelemetry-semantic-conventions`` constants (never retyped). Project keys live
under the single prefix ``mcp_llm_trace.``. A test asserts every key the SDK emits is
one of these.
"""

from __future__ import annotations

from typing import Final

from openinference.semconv.trace import (
    DocumentAttributes,
    EmbeddingAttributes,
    MessageAttributes,
    OpenInferenceMimeTypeValues,
    OpenInferenceSpanKindValues,
    RerankerAttributes,
    SpanAttributes,
    ToolCallAttributes,
)
from opentelemetry.semconv._incubating.attributes import (
    db_attributes,
    gen_ai_attributes,
    jsonrpc_attributes,
    mcp_attributes,
    peer_attributes,
    rpc_attributes,
    session_attributes,
)
from opentelemetry.semconv.attributes import (
    error_attributes,
    exception_attributes,
    http_attributes,
    server_attributes,
    url_attributes,
)

# ------------------------------------------------------------------ OpenInference
OI = SpanAttributes
SPAN_KIND: Final = SpanAttributes.OPENINFERENCE_SPAN_KIND
LLM_MODEL_NAME: Final = SpanAttributes.LLM_MODEL_NAME
LLM_PROVIDER: Final = SpanAttributes.LLM_PROVIDER
LLM_SYSTEM: Final = SpanAttributes.LLM_SYSTEM
LLM_INPUT_MESSAGES: Final = SpanAttributes.LLM_INPUT_MESSAGES
LLM_OUTPUT_MESSAGES: Final = SpanAttributes.LLM_OUTPUT_MESSAGES
LLM_INVOCATION_PARAMETERS: Final = SpanAttributes.LLM_INVOCATION_PARAMETERS
LLM_TOKEN_PROMPT: Final = SpanAttributes.LLM_TOKEN_COUNT_PROMPT
LLM_TOKEN_COMPLETION: Final = SpanAttributes.LLM_TOKEN_COUNT_COMPLETION
LLM_TOKEN_TOTAL: Final = SpanAttributes.LLM_TOKEN_COUNT_TOTAL
LLM_TOKEN_CACHE_READ: Final = SpanAttributes.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ
LLM_TOKEN_CACHE_WRITE: Final = SpanAttributes.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE
LLM_TOKEN_REASONING: Final = SpanAttributes.LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING
LLM_COST_PROMPT: Final = SpanAttributes.LLM_COST_PROMPT
LLM_COST_COMPLETION: Final = SpanAttributes.LLM_COST_COMPLETION
LLM_COST_TOTAL: Final = SpanAttributes.LLM_COST_TOTAL
LLM_COST_CACHE_READ: Final = SpanAttributes.LLM_COST_PROMPT_DETAILS_CACHE_READ
LLM_COST_CACHE_WRITE: Final = SpanAttributes.LLM_COST_PROMPT_DETAILS_CACHE_WRITE
LLM_COST_INPUT: Final = SpanAttributes.LLM_COST_PROMPT_DETAILS_INPUT
LLM_COST_OUTPUT: Final = SpanAttributes.LLM_COST_COMPLETION_DETAILS_OUTPUT
LLM_COST_REASONING: Final = SpanAttributes.LLM_COST_COMPLETION_DETAILS_REASONING
LLM_PROMPT_TEMPLATE: Final = SpanAttributes.LLM_PROMPT_TEMPLATE
LLM_PROMPT_TEMPLATE_VARIABLES: Final = SpanAttributes.LLM_PROMPT_TEMPLATE_VARIABLES
LLM_PROMPT_TEMPLATE_VERSION: Final = SpanAttributes.LLM_PROMPT_TEMPLATE_VERSION
LLM_FINISH_REASON: Final = SpanAttributes.LLM_FINISH_REASON
LLM_TOOLS: Final = SpanAttributes.LLM_TOOLS
INPUT_VALUE: Final = SpanAttributes.INPUT_VALUE
INPUT_MIME_TYPE: Final = SpanAttributes.INPUT_MIME_TYPE
OUTPUT_VALUE: Final = SpanAttributes.OUTPUT_VALUE
OUTPUT_MIME_TYPE: Final = SpanAttributes.OUTPUT_MIME_TYPE
RETRIEVAL_DOCUMENTS: Final = SpanAttributes.RETRIEVAL_DOCUMENTS
EMBEDDING_EMBEDDINGS: Final = SpanAttributes.EMBEDDING_EMBEDDINGS
EMBEDDING_MODEL_NAME: Final = SpanAttributes.EMBEDDING_MODEL_NAME
TOOL_NAME: Final = SpanAttributes.TOOL_NAME
TOOL_PARAMETERS: Final = SpanAttributes.TOOL_PARAMETERS
TOOL_DESCRIPTION: Final = SpanAttributes.TOOL_DESCRIPTION
TOOL_ID: Final = SpanAttributes.TOOL_ID
USER_ID: Final = SpanAttributes.USER_ID
SESSION_ID: Final = SpanAttributes.SESSION_ID
METADATA: Final = SpanAttributes.METADATA
TAG_TAGS: Final = SpanAttributes.TAG_TAGS
AGENT_NAME: Final = SpanAttributes.AGENT_NAME

MESSAGE_ROLE: Final = MessageAttributes.MESSAGE_ROLE
MESSAGE_CONTENT: Final = MessageAttributes.MESSAGE_CONTENT
MESSAGE_NAME: Final = MessageAttributes.MESSAGE_NAME
MESSAGE_TOOL_CALLS: Final = MessageAttributes.MESSAGE_TOOL_CALLS
MESSAGE_TOOL_CALL_ID: Final = MessageAttributes.MESSAGE_TOOL_CALL_ID
TOOL_CALL_ID: Final = ToolCallAttributes.TOOL_CALL_ID
TOOL_CALL_FUNCTION_NAME: Final = ToolCallAttributes.TOOL_CALL_FUNCTION_NAME
TOOL_CALL_FUNCTION_ARGUMENTS: Final = ToolCallAttributes.TOOL_CALL_FUNCTION_ARGUMENTS_JSON
DOCUMENT_ID: Final = DocumentAttributes.DOCUMENT_ID
DOCUMENT_CONTENT: Final = DocumentAttributes.DOCUMENT_CONTENT
DOCUMENT_SCORE: Final = DocumentAttributes.DOCUMENT_SCORE
DOCUMENT_METADATA: Final = DocumentAttributes.DOCUMENT_METADATA
EMBEDDING_TEXT: Final = EmbeddingAttributes.EMBEDDING_TEXT
EMBEDDING_VECTOR: Final = EmbeddingAttributes.EMBEDDING_VECTOR
RERANKER_INPUT_DOCUMENTS: Final = RerankerAttributes.RERANKER_INPUT_DOCUMENTS
RERANKER_OUTPUT_DOCUMENTS: Final = RerankerAttributes.RERANKER_OUTPUT_DOCUMENTS
RERANKER_QUERY: Final = RerankerAttributes.RERANKER_QUERY
RERANKER_MODEL_NAME: Final = RerankerAttributes.RERANKER_MODEL_NAME
RERANKER_TOP_K: Final = RerankerAttributes.RERANKER_TOP_K

KIND_LLM: Final = OpenInferenceSpanKindValues.LLM.value
KIND_TOOL: Final = OpenInferenceSpanKindValues.TOOL.value
KIND_RETRIEVER: Final = OpenInferenceSpanKindValues.RETRIEVER.value
KIND_EMBEDDING: Final = OpenInferenceSpanKindValues.EMBEDDING.value
KIND_RERANKER: Final = OpenInferenceSpanKindValues.RERANKER.value
KIND_AGENT: Final = OpenInferenceSpanKindValues.AGENT.value
KIND_CHAIN: Final = OpenInferenceSpanKindValues.CHAIN.value
KIND_GUARDRAIL: Final = OpenInferenceSpanKindValues.GUARDRAIL.value
KIND_PROMPT: Final = OpenInferenceSpanKindValues.PROMPT.value
MIME_JSON: Final = OpenInferenceMimeTypeValues.JSON.value
MIME_TEXT: Final = OpenInferenceMimeTypeValues.TEXT.value

# ------------------------------------------------------------------ OTel GenAI
G = gen_ai_attributes
GEN_AI_OPERATION_NAME: Final = G.GEN_AI_OPERATION_NAME
GEN_AI_PROVIDER_NAME: Final = G.GEN_AI_PROVIDER_NAME
GEN_AI_SYSTEM: Final = G.GEN_AI_SYSTEM
GEN_AI_REQUEST_MODEL: Final = G.GEN_AI_REQUEST_MODEL
GEN_AI_RESPONSE_MODEL: Final = G.GEN_AI_RESPONSE_MODEL
GEN_AI_RESPONSE_ID: Final = G.GEN_AI_RESPONSE_ID
GEN_AI_RESPONSE_FINISH_REASONS: Final = G.GEN_AI_RESPONSE_FINISH_REASONS
GEN_AI_REQUEST_TEMPERATURE: Final = G.GEN_AI_REQUEST_TEMPERATURE
GEN_AI_REQUEST_MAX_TOKENS: Final = G.GEN_AI_REQUEST_MAX_TOKENS
GEN_AI_REQUEST_TOP_P: Final = G.GEN_AI_REQUEST_TOP_P
GEN_AI_REQUEST_TOP_K: Final = G.GEN_AI_REQUEST_TOP_K
GEN_AI_REQUEST_SEED: Final = G.GEN_AI_REQUEST_SEED
GEN_AI_REQUEST_STOP_SEQUENCES: Final = G.GEN_AI_REQUEST_STOP_SEQUENCES
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = G.GEN_AI_REQUEST_FREQUENCY_PENALTY
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = G.GEN_AI_REQUEST_PRESENCE_PENALTY
GEN_AI_REQUEST_STREAM: Final = G.GEN_AI_REQUEST_STREAM
GEN_AI_USAGE_INPUT_TOKENS: Final = G.GEN_AI_USAGE_INPUT_TOKENS
GEN_AI_USAGE_OUTPUT_TOKENS: Final = G.GEN_AI_USAGE_OUTPUT_TOKENS
GEN_AI_USAGE_CACHE_READ: Final = G.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS
GEN_AI_USAGE_CACHE_WRITE: Final = G.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS
GEN_AI_USAGE_REASONING: Final = G.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS
GEN_AI_INPUT_MESSAGES: Final = G.GEN_AI_INPUT_MESSAGES
GEN_AI_OUTPUT_MESSAGES: Final = G.GEN_AI_OUTPUT_MESSAGES
GEN_AI_SYSTEM_INSTRUCTIONS: Final = G.GEN_AI_SYSTEM_INSTRUCTIONS
GEN_AI_TOOL_NAME: Final = G.GEN_AI_TOOL_NAME
GEN_AI_TOOL_CALL_ID: Final = G.GEN_AI_TOOL_CALL_ID
GEN_AI_TOOL_CALL_ARGUMENTS: Final = G.GEN_AI_TOOL_CALL_ARGUMENTS
GEN_AI_TOOL_CALL_RESULT: Final = G.GEN_AI_TOOL_CALL_RESULT
GEN_AI_TOOL_DESCRIPTION: Final = G.GEN_AI_TOOL_DESCRIPTION
GEN_AI_TOOL_TYPE: Final = G.GEN_AI_TOOL_TYPE
GEN_AI_TOOL_DEFINITIONS: Final = G.GEN_AI_TOOL_DEFINITIONS
GEN_AI_CONVERSATION_ID: Final = G.GEN_AI_CONVERSATION_ID
GEN_AI_AGENT_NAME: Final = G.GEN_AI_AGENT_NAME
GEN_AI_PROMPT_NAME: Final = G.GEN_AI_PROMPT_NAME
GEN_AI_DATA_SOURCE_ID: Final = G.GEN_AI_DATA_SOURCE_ID
GEN_AI_RETRIEVAL_QUERY_TEXT: Final = G.GEN_AI_RETRIEVAL_QUERY_TEXT
GEN_AI_RETRIEVAL_DOCUMENTS: Final = G.GEN_AI_RETRIEVAL_DOCUMENTS
GEN_AI_EMBEDDINGS_DIMENSION_COUNT: Final = G.GEN_AI_EMBEDDINGS_DIMENSION_COUNT
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: Final = G.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK
GEN_AI_TOKEN_TYPE: Final = G.GEN_AI_TOKEN_TYPE
GEN_AI_OUTPUT_TYPE: Final = G.GEN_AI_OUTPUT_TYPE

# ------------------------------------------------------------------ foreign conventions (read)
# Keys other instrumentation writes and ``interop/`` reads to complete the standard ones.
# OpenLLMetry (traceloop ``opentelemetry-semantic-conventions-ai``, not a dependency):
# its legacy usage/prompt keys, some of which are deprecated OTel GenAI constants.
OPENLLMETRY_REQUEST_TYPE: Final = "llm.request.type"  # chat|completion|embedding|rerank
OPENLLMETRY_USAGE_TOTAL_TOKENS: Final = "llm.usage.total_tokens"
OPENLLMETRY_USAGE_PROMPT_TOKENS: Final = G.GEN_AI_USAGE_PROMPT_TOKENS
OPENLLMETRY_USAGE_COMPLETION_TOKENS: Final = G.GEN_AI_USAGE_COMPLETION_TOKENS
OPENLLMETRY_USAGE_CACHE_READ: Final = "gen_ai.usage.cache_read_input_tokens"
OPENLLMETRY_USAGE_CACHE_WRITE: Final = "gen_ai.usage.cache_creation_input_tokens"
OPENLLMETRY_PROMPT: Final = G.GEN_AI_PROMPT  # gen_ai.prompt.{i}.role|content
OPENLLMETRY_COMPLETION: Final = G.GEN_AI_COMPLETION  # gen_ai.completion.{i}.role|content
#: The newer GenAI name of the cache-write count (the ``anthropic`` SDK's own spans use it);
#: the installed semconv package still calls it ``gen_ai.usage.cache_creation.input_tokens``.
GEN_AI_USAGE_CACHE_WRITE_ALT: Final = "gen_ai.usage.cache_write.input_tokens"

# ------------------------------------------------------------------ MCP / RPC / DB / misc
MCP_METHOD_NAME: Final = mcp_attributes.MCP_METHOD_NAME
MCP_SESSION_ID: Final = mcp_attributes.MCP_SESSION_ID
MCP_RESOURCE_URI: Final = mcp_attributes.MCP_RESOURCE_URI
MCP_PROTOCOL_VERSION: Final = mcp_attributes.MCP_PROTOCOL_VERSION
JSONRPC_REQUEST_ID: Final = jsonrpc_attributes.JSONRPC_REQUEST_ID
JSONRPC_PROTOCOL_VERSION: Final = jsonrpc_attributes.JSONRPC_PROTOCOL_VERSION
RPC_METHOD: Final = rpc_attributes.RPC_METHOD
RPC_SYSTEM: Final = rpc_attributes.RPC_SYSTEM
RPC_JSONRPC_ERROR_CODE: Final = rpc_attributes.RPC_JSONRPC_ERROR_CODE
RPC_JSONRPC_ERROR_MESSAGE: Final = rpc_attributes.RPC_JSONRPC_ERROR_MESSAGE
PEER_SERVICE: Final = peer_attributes.PEER_SERVICE
DB_SYSTEM: Final = db_attributes.DB_SYSTEM_NAME
DB_OPERATION_NAME: Final = db_attributes.DB_OPERATION_NAME
DB_QUERY_SUMMARY: Final = db_attributes.DB_QUERY_SUMMARY
DB_COLLECTION_NAME: Final = db_attributes.DB_COLLECTION_NAME
DB_NAMESPACE: Final = db_attributes.DB_NAMESPACE
DB_OPERATION_BATCH_SIZE: Final = db_attributes.DB_OPERATION_BATCH_SIZE
DB_RESPONSE_RETURNED_ROWS: Final = db_attributes.DB_RESPONSE_RETURNED_ROWS
SESSION_ID_OTEL: Final = session_attributes.SESSION_ID
ERROR_TYPE: Final = error_attributes.ERROR_TYPE
EXCEPTION_MESSAGE: Final = exception_attributes.EXCEPTION_MESSAGE
EXCEPTION_STACKTRACE: Final = exception_attributes.EXCEPTION_STACKTRACE
EXCEPTION_TYPE: Final = exception_attributes.EXCEPTION_TYPE
# HTTP (a gateway's inbound request span)
HTTP_REQUEST_METHOD: Final = http_attributes.HTTP_REQUEST_METHOD
HTTP_RESPONSE_STATUS_CODE: Final = http_attributes.HTTP_RESPONSE_STATUS_CODE
HTTP_ROUTE: Final = http_attributes.HTTP_ROUTE
URL_PATH: Final = url_attributes.URL_PATH
SERVER_ADDRESS: Final = server_attributes.SERVER_ADDRESS
SERVER_PORT: Final = server_attributes.SERVER_PORT

# ------------------------------------------------------------------ project keys
PREFIX: Final = "mcp_llm_trace."
TENANT_ID: Final = "tenant.id"  # the seed's key; not (yet) in OTel semconv
OPENINFERENCE_PROJECT_NAME: Final = "openinference.project.name"  # Phoenix resource key
TOKENS_ESTIMATED: Final = "mcp_llm_trace.tokens.estimated"
TOKENS_ENCODING: Final = "mcp_llm_trace.tokens.encoding"
COST_CURRENCY: Final = "mcp_llm_trace.cost.currency"
COST_PRICE_SOURCE: Final = "mcp_llm_trace.cost.price_source"
COST_PRICED: Final = "mcp_llm_trace.cost.priced"
COST_REGION_UNKNOWN: Final = "mcp_llm_trace.cost.region_unknown"  # standard price, region unpriced
COST_PRICING_VERSION: Final = "mcp_llm_trace.cost.pricing_version"
COST_TOTAL: Final = "mcp_llm_trace.cost.total"
SCRUB_REDACTIONS: Final = "mcp_llm_trace.scrub.redactions"
SCRUB_TYPES: Final = "mcp_llm_trace.scrub.types"
SCRUB_FAILED: Final = "mcp_llm_trace.scrub.failed"
CONTENT_TRIMMED: Final = "mcp_llm_trace.content.trimmed"
CONTENT_INPUT_LENGTH: Final = "mcp_llm_trace.content.input_length"
CONTENT_OUTPUT_LENGTH: Final = "mcp_llm_trace.content.output_length"
CONTENT_MESSAGE_COUNT: Final = "mcp_llm_trace.content.input_messages"
CONTENT_OUTPUT_MESSAGE_COUNT: Final = "mcp_llm_trace.content.output_messages"
DOCUMENT_COUNT: Final = "mcp_llm_trace.retrieval.document_count"
STREAM_CHUNKS: Final = "mcp_llm_trace.stream.chunks"
USAGE_SOURCE: Final = "mcp_llm_trace.usage.source"  # "provider" | "counted"
RETRY_ATTEMPT: Final = "mcp_llm_trace.retry.attempt"
RETRY_BACKOFF_MS: Final = "mcp_llm_trace.retry.backoff_ms"
BREAKER_STATE: Final = "mcp_llm_trace.circuit_breaker.state"
PLUGIN_NAME: Final = "mcp_llm_trace.plugin.name"
PLUGIN_ORDER: Final = "mcp_llm_trace.plugin.order"
PLUGIN_OUTCOME: Final = "mcp_llm_trace.plugin.outcome"
PLUGIN_DURATION_MS: Final = "mcp_llm_trace.plugin.duration_ms"
#: The seed's ``plugin.*.executed`` event key (kept so its dashboards keep working).
SEED_PLUGIN_NAME: Final = "plugin.name"
BATCH_ITEM_ID: Final = "mcp_llm_trace.batch.item_id"
BREAKER_NAME: Final = "mcp_llm_trace.circuit_breaker.name"
CACHE_HIT: Final = "mcp_llm_trace.cache.hit"
CACHE_NAME: Final = "mcp_llm_trace.cache.name"
PROMPT_COMPILE_MS: Final = "mcp_llm_trace.prompt.compile_ms"
PROMPT_VARIABLE_NAMES: Final = "mcp_llm_trace.prompt.variable_names"
BATCH_ITEMS: Final = "mcp_llm_trace.batch.items"
BATCH_FAILED_ITEMS: Final = "mcp_llm_trace.batch.failed_items"
VECTOR_TOP_K: Final = "mcp_llm_trace.vector.top_k"
VECTOR_RESULTS: Final = "mcp_llm_trace.vector.results"
FEDERATION_PEER: Final = "mcp_llm_trace.federation.peer"
TRACE_ID_HEADER: Final = "X-Trace-Id"
#: Key under a MCP result's ``_meta`` carrying the server span's trace id (hex), so a
#: client can quote the id that finds its request ("search the trace by request ID").
MCP_TRACE_ID_META_KEY: Final = "mcp_llm_trace/trace_id"
#: Value of ``error.type`` for a ``tools/call`` whose result has ``isError: true``
#: (the value the mcp SDK itself uses).
MCP_TOOL_ERROR: Final = "tool_error"

#: Attributes that may carry user content; the scrubber looks at these (plus any
#: string attribute whose key matches a content pattern, see privacy docs).
CONTENT_KEYS: Final = frozenset(
    {
        INPUT_VALUE,
        OUTPUT_VALUE,
        GEN_AI_INPUT_MESSAGES,
        GEN_AI_OUTPUT_MESSAGES,
        GEN_AI_SYSTEM_INSTRUCTIONS,
        GEN_AI_TOOL_CALL_ARGUMENTS,
        GEN_AI_TOOL_CALL_RESULT,
        GEN_AI_RETRIEVAL_QUERY_TEXT,
        GEN_AI_RETRIEVAL_DOCUMENTS,
        TOOL_PARAMETERS,
        LLM_PROMPT_TEMPLATE,
        LLM_PROMPT_TEMPLATE_VARIABLES,
        LLM_INVOCATION_PARAMETERS,
        RERANKER_QUERY,
        METADATA,
        EXCEPTION_MESSAGE,
        EXCEPTION_STACKTRACE,
    }
)

#: Attribute keys never scrubbed: ids, model names, token counts, cost.
NEVER_SCRUB_PREFIXES: Final = (
    "llm.token_count.",
    "llm.cost.",
    "gen_ai.usage.",
    "mcp_llm_trace.cost.",
    "mcp_llm_trace.tokens.",
    "mcp_llm_trace.scrub.",
)
NEVER_SCRUB_KEYS: Final = frozenset(
    {
        SPAN_KIND,
        LLM_MODEL_NAME,
        LLM_PROVIDER,
        LLM_SYSTEM,
        GEN_AI_OPERATION_NAME,
        GEN_AI_PROVIDER_NAME,
        GEN_AI_REQUEST_MODEL,
        GEN_AI_RESPONSE_MODEL,
        GEN_AI_RESPONSE_ID,
        MCP_METHOD_NAME,
        MCP_SESSION_ID,
        MCP_PROTOCOL_VERSION,
        JSONRPC_REQUEST_ID,
        INPUT_MIME_TYPE,
        OUTPUT_MIME_TYPE,
        TENANT_ID,
        USER_ID,
        SESSION_ID,
        SESSION_ID_OTEL,
        GEN_AI_SYSTEM,
        GEN_AI_TOOL_NAME,
        GEN_AI_TOOL_TYPE,
        GEN_AI_TOOL_CALL_ID,
        GEN_AI_CONVERSATION_ID,
        GEN_AI_OUTPUT_TYPE,
        GEN_AI_TOKEN_TYPE,
        GEN_AI_RESPONSE_FINISH_REASONS,
        LLM_FINISH_REASON,
        TOOL_NAME,
        TOOL_ID,
        EMBEDDING_MODEL_NAME,
        RERANKER_MODEL_NAME,
        JSONRPC_PROTOCOL_VERSION,
        RPC_SYSTEM,
        DB_SYSTEM,
        ERROR_TYPE,
        EXCEPTION_TYPE,
    }
)
#: Suffixes of flattened (indexed) keys never scrubbed: roles, tool-call ids/names.
NEVER_SCRUB_SUFFIXES: Final = (
    f".{MESSAGE_ROLE}",
    f".{MESSAGE_TOOL_CALL_ID}",
    f".{TOOL_CALL_ID}",
    f".{TOOL_CALL_FUNCTION_NAME}",
)


def input_message_key(index: int, field: str) -> str:
    """``llm.input_messages.{i}.message.{field}`` (field: ``role``/``content``/...)."""
    return f"{LLM_INPUT_MESSAGES}.{index}.message.{field}"


def output_message_key(index: int, field: str) -> str:
    """``llm.output_messages.{i}.message.{field}``."""
    return f"{LLM_OUTPUT_MESSAGES}.{index}.message.{field}"


def document_key(index: int, field: str) -> str:
    """``retrieval.documents.{i}.document.{field}``."""
    return f"{RETRIEVAL_DOCUMENTS}.{index}.document.{field}"


def is_known_key(key: str) -> bool:
    """Whether ``key`` is a standard key from the semconv packages or one of ours."""
    if key.startswith(PREFIX):
        return True
    return key in _KNOWN or any(key.startswith(p) for p in _KNOWN_INDEXED_PREFIXES)


def _collect_known() -> frozenset[str]:
    values: set[str] = set()
    for holder in (
        SpanAttributes,
        MessageAttributes,
        DocumentAttributes,
        EmbeddingAttributes,
        RerankerAttributes,
        ToolCallAttributes,
    ):
        values.update(v for k, v in vars(holder).items() if k.isupper() and isinstance(v, str))
    for mod in (
        gen_ai_attributes,
        mcp_attributes,
        jsonrpc_attributes,
        rpc_attributes,
        db_attributes,
        peer_attributes,
        session_attributes,
        error_attributes,
        exception_attributes,
        http_attributes,
        url_attributes,
        server_attributes,
    ):
        values.update(v for k, v in vars(mod).items() if k.isupper() and isinstance(v, str))
    values.update({TENANT_ID, OPENINFERENCE_PROJECT_NAME, SEED_PLUGIN_NAME})
    return frozenset(values)


_KNOWN = _collect_known()
#: Flattened OpenInference lists: llm.input_messages.0.message.role etc.
_KNOWN_INDEXED_PREFIXES = (
    f"{LLM_INPUT_MESSAGES}.",
    f"{LLM_OUTPUT_MESSAGES}.",
    f"{RETRIEVAL_DOCUMENTS}.",
    f"{EMBEDDING_EMBEDDINGS}.",
    f"{RERANKER_INPUT_DOCUMENTS}.",
    f"{RERANKER_OUTPUT_DOCUMENTS}.",
    f"{LLM_TOOLS}.",
    f"{METADATA}.",
)
