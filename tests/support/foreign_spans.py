"""LLM/embedding spans exactly as other instrumentation libraries write them.

Each entry is one library's documented attribute set (names and value shapes), emitted
with a plain OTel tracer so tests need none of those libraries installed:

* OpenLLMetry (traceloop ``opentelemetry-instrumentation-openai``/``-anthropic`` with
  ``opentelemetry-semantic-conventions-ai``): ``llm.request.type``, ``gen_ai.system``,
  ``gen_ai.prompt.{i}.*``/``gen_ai.completion.{i}.*``, ``gen_ai.usage.prompt_tokens``,
  ``gen_ai.usage.completion_tokens``, ``llm.usage.total_tokens``; Anthropic's
  ``prompt_tokens`` include the cache (``gen_ai.usage.cache_read_input_tokens``).
* OTel GenAI instrumentation (``opentelemetry-instrumentation-openai-v2``):
  ``gen_ai.operation.name``, ``gen_ai.provider.name``, ``gen_ai.usage.input_tokens`` …,
  content as ``gen_ai.input.messages``/``gen_ai.output.messages`` JSON, or (semconv 1.26)
  on ``gen_ai.content.prompt``/``gen_ai.content.completion`` span events.
* OpenInference (``openinference-instrumentation-openai``): flattened messages,
  ``llm.token_count.*``, ``input.value``/``output.value``.

Every prompt and completion carries :data:`EMAIL` and :data:`CARD` so tests can check the
scrubber removed them, and :data:`USAGE` gives the usage each span reports (OTel
convention: input includes cache reads) for computing the expected cost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import SpanKind, Tracer

EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"
PROMPT = f"Send the invoice for card {CARD} to {EMAIL}"
ANSWER = f"Done: invoice sent to {EMAIL}."


@dataclass(frozen=True)
class ForeignSpan:
    """One foreign span: scope (library), name, attributes, events, expected usage."""

    library: str
    name: str
    attributes: dict[str, Any]
    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int = 0
    embedding: bool = False
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def emit(self, tracer: Tracer) -> str:
        """Start and end the span with a plain OTel tracer, as the library would; returns
        its span id (hex)."""
        with tracer.start_as_current_span(
            self.name, kind=SpanKind.CLIENT, attributes=self.attributes
        ) as span:
            for name, attrs in self.events:
                span.add_event(name, attrs)
        return format(span.get_span_context().span_id, "016x")


OPENLLMETRY_OPENAI_CHAT = ForeignSpan(
    library="opentelemetry.instrumentation.openai.v1",
    name="openai.chat",
    attributes={
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-AB12",
        "gen_ai.openai.api_base": "https://api.openai.com/v1/",
        "llm.is_streaming": False,
        "llm.headers": "None",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "You are a billing assistant.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": PROMPT,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": ANSWER,
        "gen_ai.completion.0.finish_reason": "stop",
        "gen_ai.usage.prompt_tokens": 41,
        "gen_ai.usage.completion_tokens": 12,
        "llm.usage.total_tokens": 53,
    },
    model="gpt-4o-mini-2024-07-18",
    provider="openai",
    input_tokens=41,
    output_tokens=12,
)

OPENLLMETRY_OPENAI_TOOL_CALL = ForeignSpan(
    library="opentelemetry.instrumentation.openai.v1",
    name="openai.chat",
    attributes={
        "llm.request.type": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": PROMPT,
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.id": "call_1",
        "gen_ai.completion.0.tool_calls.0.name": "send_invoice",
        "gen_ai.completion.0.tool_calls.0.arguments": json.dumps({"to": EMAIL}),
        "gen_ai.usage.prompt_tokens": 60,
        "gen_ai.usage.completion_tokens": 18,
        "llm.usage.total_tokens": 78,
    },
    model="gpt-4o-2024-08-06",
    provider="openai",
    input_tokens=60,
    output_tokens=18,
)

OPENLLMETRY_ANTHROPIC = ForeignSpan(
    library="opentelemetry.instrumentation.anthropic",
    name="anthropic.chat",
    attributes={
        "llm.request.type": "chat",
        "gen_ai.system": "Anthropic",
        "gen_ai.request.model": "claude-3-5-sonnet-20241022",
        "gen_ai.response.model": "claude-3-5-sonnet-20241022",
        "gen_ai.request.max_tokens": 256,
        "gen_ai.prompt.0.role": "user",
        "gen_ai.prompt.0.content": json.dumps([{"type": "text", "text": PROMPT}]),
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.content": ANSWER,
        "gen_ai.completion.0.finish_reason": "end_turn",
        # OpenLLMetry adds the cache to prompt_tokens (1000 = 100 + 900 cached).
        "gen_ai.usage.prompt_tokens": 1000,
        "gen_ai.usage.completion_tokens": 50,
        "gen_ai.usage.cache_read_input_tokens": 900,
        "gen_ai.usage.cache_creation_input_tokens": 0,
        "llm.usage.total_tokens": 1050,
    },
    model="claude-3-5-sonnet-20241022",
    provider="anthropic",
    input_tokens=1000,
    output_tokens=50,
    cache_read_tokens=900,
)

OPENLLMETRY_EMBEDDING = ForeignSpan(
    library="opentelemetry.instrumentation.openai.v1",
    name="openai.embeddings",
    attributes={
        "llm.request.type": "embedding",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.response.model": "text-embedding-3-small",
        "gen_ai.prompt.0.content": PROMPT,
        "gen_ai.usage.prompt_tokens": 15,
        "llm.usage.total_tokens": 15,
    },
    model="text-embedding-3-small",
    provider="openai",
    input_tokens=15,
    output_tokens=0,
    embedding=True,
)

GENAI_CHAT = ForeignSpan(
    library="opentelemetry.instrumentation.openai_v2",
    name="chat gpt-4o-mini",
    attributes={
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.response.id": "chatcmpl-CD34",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 33,
        "gen_ai.usage.output_tokens": 9,
        "server.address": "api.openai.com",
        "server.port": 443,
        "gen_ai.input.messages": json.dumps(
            [{"role": "user", "parts": [{"type": "text", "content": PROMPT}]}]
        ),
        "gen_ai.output.messages": json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": ANSWER}],
                    "finish_reason": "stop",
                }
            ]
        ),
    },
    model="gpt-4o-mini-2024-07-18",
    provider="openai",
    input_tokens=33,
    output_tokens=9,
)

GENAI_EVENTS = ForeignSpan(
    library="opentelemetry.instrumentation.openai_v2",
    name="chat gpt-4o",
    attributes={
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 20,
        "gen_ai.usage.output_tokens": 7,
    },
    model="gpt-4o",
    provider="openai",
    input_tokens=20,
    output_tokens=7,
    events=[
        ("gen_ai.content.prompt", {"gen_ai.prompt": PROMPT}),
        ("gen_ai.content.completion", {"gen_ai.completion": ANSWER}),
    ],
)

GENAI_EMBEDDING = ForeignSpan(
    library="opentelemetry.instrumentation.openai_v2",
    name="embeddings text-embedding-3-small",
    attributes={
        "gen_ai.operation.name": "embeddings",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "text-embedding-3-small",
        "gen_ai.usage.input_tokens": 15,
    },
    model="text-embedding-3-small",
    provider="openai",
    input_tokens=15,
    output_tokens=0,
    embedding=True,
)

OPENINFERENCE_CHAT = ForeignSpan(
    library="openinference.instrumentation.openai",
    name="ChatCompletion",
    attributes={
        "openinference.span.kind": "LLM",
        "llm.system": "openai",
        "llm.provider": "openai",
        "llm.model_name": "gpt-4o-mini-2024-07-18",
        "input.value": json.dumps(
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": PROMPT}]}
        ),
        "input.mime_type": "application/json",
        "llm.invocation_parameters": json.dumps({"model": "gpt-4o-mini"}),
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": PROMPT,
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": ANSWER,
        "output.value": json.dumps({"choices": [{"message": {"content": ANSWER}}]}),
        "output.mime_type": "application/json",
        "llm.token_count.prompt": 27,
        "llm.token_count.completion": 11,
        "llm.token_count.total": 38,
    },
    model="gpt-4o-mini-2024-07-18",
    provider="openai",
    input_tokens=27,
    output_tokens=11,
)

ALL: dict[str, ForeignSpan] = {
    "openllmetry_openai_chat": OPENLLMETRY_OPENAI_CHAT,
    "openllmetry_openai_tool_call": OPENLLMETRY_OPENAI_TOOL_CALL,
    "openllmetry_anthropic": OPENLLMETRY_ANTHROPIC,
    "openllmetry_embedding": OPENLLMETRY_EMBEDDING,
    "genai_chat": GENAI_CHAT,
    "genai_events": GENAI_EVENTS,
    "genai_embedding": GENAI_EMBEDDING,
    "openinference_chat": OPENINFERENCE_CHAT,
}


def strings_of(span: Any) -> list[str]:
    """Every string in a span's attributes and event attributes (SDK span or decoded
    receiver dict), for "nothing sensitive left anywhere" checks."""
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    if isinstance(span, dict):
        walk(span.get("attributes"))
        for ev in span.get("events", []):
            walk(ev.get("attributes"))
        walk(span.get("name"))
    else:
        walk(dict(span.attributes or {}))
        for ev in span.events:
            walk(dict(ev.attributes or {}))
        walk(span.name)
    return out
