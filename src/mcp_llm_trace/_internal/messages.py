"""Pure attribute builders for messages, documents and usage (dual conventions).

Small functions with keyword-only options returning ``dict[str, AttributeValue]``: trivial
to test without a tracer (the OpenInference style). Nothing here touches OTel state.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring as _enc
from typing import Any

from opentelemetry.util.types import AttributeValue

from mcp_llm_trace import semconv as sc

Message = dict[str, Any]


def to_json(value: Any) -> str:
    """Compact JSON; non-JSON values become their ``str``."""
    if isinstance(value, str):
        return value
    if type(value) is list:
        fast = _flat_dicts_json(value)
        if fast is not None:
            return fast
    return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))


def _flat_dicts_json(items: list[Any]) -> str | None:
    """``json.dumps(items, ensure_ascii=False, separators=(",", ":"))`` for a list of
    plain dicts whose keys and values are all ``str`` (normalized messages without tool
    calls: the common case), built with the json module's own C string encoder — the
    same bytes at a fraction of the cost. ``None`` for anything else (the caller uses
    dumps)."""
    enc = _enc
    parts = []
    for d in items:
        if type(d) is not dict:
            return None
        fields = []
        for k, v in d.items():
            if type(k) is not str or type(v) is not str:
                return None
            fields.append(f"{enc(k)}:{enc(v)}")
        parts.append(f"{{{','.join(fields)}}}")
    return f"[{','.join(parts)}]"


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _text_of(content: Any) -> str:
    """Text of a message content: a string, or a list of parts (OpenAI/Anthropic)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        texts = []
        for part in content:
            if isinstance(part, str):
                texts.append(part)
            else:
                t = _get(part, "text")
                if t is None:
                    t = _get(part, "content")
                if isinstance(t, str):
                    texts.append(t)
        return "\n".join(texts)
    return str(content)


def normalize_messages(messages: Any, *, default_role: str = "user") -> list[Message]:
    """Accept a string, a message dict/object, or a list of them; return
    ``[{"role", "content", "tool_calls"?, "name"?, "tool_call_id"?}]``."""
    if messages is None:
        return []
    if isinstance(messages, str):
        return [{"role": default_role, "content": messages}]
    if type(messages) is not list and (
        isinstance(messages, Mapping) or not isinstance(messages, (list, tuple))
    ):
        messages = [messages]
    out: list[Message] = []
    for m in messages:
        if type(m) is dict and len(m) == 2:
            # The common shape, {"role": str, "content": str}: what the general code
            # below makes of it, without its per-field calls.
            role = m.get("role")
            content = m.get("content")
            if type(role) is str and role and type(content) is str:
                out.append({"role": role, "content": content})
                continue
        if isinstance(m, str):
            out.append({"role": default_role, "content": m})
            continue
        # Plain dicts (the common case) skip _get's Mapping ABC check per field.
        get = m.get if type(m) is dict else lambda k, _m=m: _get(_m, k)
        msg: Message = {
            "role": str(get("role") or default_role),
            "content": _text_of(get("content")),
        }
        name = get("name")
        if name:
            msg["name"] = str(name)
        tcid = get("tool_call_id")
        if tcid:
            msg["tool_call_id"] = str(tcid)
        calls = get("tool_calls")
        if calls:
            msg["tool_calls"] = [normalize_tool_call(c) for c in calls]
        out.append(msg)
    return out


def normalize_tool_call(call: Any) -> dict[str, Any]:
    """``{"id", "name", "arguments"}`` from OpenAI-style or flat tool-call objects."""
    fn = _get(call, "function")
    name = _get(fn, "name") if fn is not None else _get(call, "name")
    args = _get(fn, "arguments") if fn is not None else _get(call, "arguments", _get(call, "input"))
    return {"id": _get(call, "id"), "name": name, "arguments": args}


def content_length(messages: Sequence[Message]) -> int:
    """Total characters of message contents."""
    return sum([len(m.get("content") or "") for m in messages])


#: Precomputed ``(role, content)`` keys of the first messages (no f-string per span).
_PRECOMPUTED = 32
_IN_KEYS = tuple(
    (sc.input_message_key(i, "role"), sc.input_message_key(i, "content"))
    for i in range(_PRECOMPUTED)
)
_OUT_KEYS = tuple(
    (sc.output_message_key(i, "role"), sc.output_message_key(i, "content"))
    for i in range(_PRECOMPUTED)
)


def openinference_messages(
    messages: Sequence[Message], *, output: bool, with_content: bool
) -> dict[str, AttributeValue]:
    """Flattened ``llm.{input|output}_messages.{i}.message.*`` attributes."""
    key = sc.output_message_key if output else sc.input_message_key
    table = _OUT_KEYS if output else _IN_KEYS
    attrs: dict[str, AttributeValue] = {}
    for i, m in enumerate(messages):
        role_key, content_key = (
            table[i] if i < _PRECOMPUTED else (key(i, "role"), key(i, "content"))
        )
        attrs[role_key] = m["role"]
        if with_content:
            content = m.get("content")
            if content:
                attrs[content_key] = content
            if len(m) == 2 and content is not None:
                continue  # role + content only (the common shape): nothing else to write
            if m.get("name"):
                attrs[key(i, "name")] = m["name"]
            if m.get("tool_call_id"):
                attrs[key(i, "tool_call_id")] = m["tool_call_id"]
            for j, call in enumerate(m.get("tool_calls") or ()):
                base = f"{key(i, 'tool_calls')}.{j}."
                if call.get("id"):
                    attrs[base + sc.TOOL_CALL_ID] = str(call["id"])
                if call.get("name"):
                    attrs[base + sc.TOOL_CALL_FUNCTION_NAME] = str(call["name"])
                if call.get("arguments") is not None:
                    attrs[base + sc.TOOL_CALL_FUNCTION_ARGUMENTS] = to_json(call["arguments"])
    return attrs


def genai_messages_json(messages: Sequence[Message], *, finish_reason: str | None = None) -> str:
    """``gen_ai.input.messages``/``gen_ai.output.messages`` JSON (parts format)."""
    fast = _genai_text_json(messages, finish_reason)
    if fast is not None:
        return fast
    out = []
    for m in messages:
        parts: list[dict[str, Any]] = []
        if m.get("content"):
            parts.append({"type": "text", "content": m["content"]})
        for call in m.get("tool_calls") or ():
            args = call.get("arguments")
            if isinstance(args, str):
                with contextlib.suppress(ValueError):
                    args = json.loads(args)
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": args,
                }
            )
        if m.get("tool_call_id"):
            parts = [
                {
                    "type": "tool_call_response",
                    "id": m["tool_call_id"],
                    "response": m.get("content", ""),
                }
            ]
        entry: dict[str, Any] = {"role": m["role"], "parts": parts}
        if finish_reason is not None:
            entry["finish_reason"] = finish_reason
        out.append(entry)
    return to_json(out)


def _genai_text_json(messages: Sequence[Message], finish_reason: str | None) -> str | None:
    """:func:`genai_messages_json` for text-only messages (normalized ``role`` +
    ``content`` strings and nothing else), byte-identical to the ``json.dumps`` path;
    ``None`` when any message has more (tool calls, names, tool results)."""
    scan = _text_scan(messages, False, True, finish_reason, False)
    return None if scan is None else scan[3]


def message_jsons(
    messages: Sequence[Message], *, plain: bool, genai: bool, finish_reason: str | None = None
) -> tuple[str | None, str | None]:
    """``(to_json(messages), genai_messages_json(messages, finish_reason=...))`` of
    normalized messages (from :func:`normalize_messages`), each only when asked for
    (``None`` otherwise). For text-only messages both documents are built from one
    encoding of each role and content string — the same bytes as the separate calls."""
    if not plain and not genai:
        return None, None
    scan = _text_scan(messages, plain, genai, finish_reason, False)
    if scan is not None:
        return scan[2], scan[3]
    return (
        to_json(messages) if plain else None,
        genai_messages_json(messages, finish_reason=finish_reason) if genai else None,
    )


def text_input(
    value: Any, *, plain: bool, genai: bool
) -> tuple[list[Message], int, str | None, str | None] | None:
    """``(normalize_messages(value), content_length(...), *message_jsons(...))`` in one
    pass for the usual input: a list (or tuple) of dicts that are exactly ``{"role":
    non-empty str, "content": str}``. ``None`` for any other value: use the general
    functions then."""
    if type(value) is not list and type(value) is not tuple:
        return None
    return _text_scan(value, plain, genai, None, True)


def _text_scan(
    items: Sequence[Any], plain: bool, genai: bool, finish_reason: str | None, copy: bool
) -> tuple[list[Message], int, str | None, str | None] | None:
    """One pass over text-only messages — dicts of exactly a non-empty ``role`` and a
    ``content`` string — or ``None`` at the first other item. Gives the normalized copies
    (when ``copy``), the content length, and when asked ``plain`` (``json.dumps`` of the
    normalized messages, compact, non-ASCII kept) and ``genai`` (the parts format of
    :func:`genai_messages_json`), both built from one encoding of each string.

    Normalized messages put ``role`` first, so the plain document is written in that
    order; any other message (and an empty role) takes the general code, which gives
    the same bytes."""
    enc = _enc
    tail = "}" if finish_reason is None else f',"finish_reason":{enc(finish_reason)}}}'
    out: list[Message] = []
    flat: list[str] = []
    parts: list[str] = []
    length = 0
    encode = plain or genai
    for m in items:
        if type(m) is not dict or len(m) != 2:
            return None
        role = m.get("role")
        content = m.get("content")
        if type(role) is not str or not role or type(content) is not str:
            return None
        if copy:
            out.append({"role": role, "content": content})
        length += len(content)
        if encode:
            er = enc(role)
            ec = enc(content)
            if plain:
                flat.append(f'{{"role":{er},"content":{ec}}}')
            if genai:
                if content:
                    parts.append(f'{{"role":{er},"parts":[{{"type":"text","content":{ec}}}]{tail}')
                else:
                    parts.append(f'{{"role":{er},"parts":[]{tail}')
    return (
        out,
        length,
        f"[{','.join(flat)}]" if plain else None,
        f"[{','.join(parts)}]" if genai else None,
    )


def assistant_text_json(text: str, finish_reason: str) -> str:
    """:func:`genai_messages_json` of the single assistant message ``text`` (what
    ``set_output("...")`` records), without building the message first."""
    stop = finish_reason == "stop"
    tail = _STOP_TAIL if stop else f',"finish_reason":{_enc(finish_reason)}}}]'
    if text:
        return f'{_ASSISTANT_HEAD}[{{"type":"text","content":{_enc(text)}}}]{tail}'
    return f"{_ASSISTANT_HEAD}[]{tail}"


_ASSISTANT_HEAD = '[{"role":"assistant","parts":'
_STOP_TAIL = ',"finish_reason":"stop"}]'


def usage_attributes(
    *,
    input_tokens: int | None,
    output_tokens: int | None,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    reasoning_tokens: int = 0,
    total_tokens: int | None = None,
    openinference: bool = True,
    genai: bool = True,
) -> dict[str, AttributeValue]:
    """Token counts in both conventions; total always written when known."""
    a: dict[str, AttributeValue] = {}
    if total_tokens is None and input_tokens is not None and output_tokens is not None:
        total_tokens = input_tokens + output_tokens
    if openinference:
        if input_tokens is not None:
            a[sc.LLM_TOKEN_PROMPT] = input_tokens
        if output_tokens is not None:
            a[sc.LLM_TOKEN_COMPLETION] = output_tokens
        if total_tokens is not None:
            a[sc.LLM_TOKEN_TOTAL] = total_tokens
        if cache_read_tokens:
            a[sc.LLM_TOKEN_CACHE_READ] = cache_read_tokens
        if cache_write_tokens:
            a[sc.LLM_TOKEN_CACHE_WRITE] = cache_write_tokens
        if reasoning_tokens:
            a[sc.LLM_TOKEN_REASONING] = reasoning_tokens
    if genai:
        if input_tokens is not None:
            a[sc.GEN_AI_USAGE_INPUT_TOKENS] = input_tokens
        if output_tokens is not None:
            a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] = output_tokens
        if cache_read_tokens:
            a[sc.GEN_AI_USAGE_CACHE_READ] = cache_read_tokens
        if cache_write_tokens:
            a[sc.GEN_AI_USAGE_CACHE_WRITE] = cache_write_tokens
        if reasoning_tokens:
            a[sc.GEN_AI_USAGE_REASONING] = reasoning_tokens
    return a


def document_attributes(
    documents: Sequence[Any], *, with_content: bool, key: Any = sc.document_key
) -> dict[str, AttributeValue]:
    """``retrieval.documents.{i}.document.{id,score,content,metadata}``."""
    attrs: dict[str, AttributeValue] = {}
    for i, d in enumerate(documents):
        if isinstance(d, str):
            d = {"content": d}
        doc_id = _get(d, "id")
        if doc_id is not None:
            attrs[key(i, "id")] = str(doc_id)
        score = _get(d, "score")
        if isinstance(score, (int, float)) and not isinstance(score, bool):
            attrs[key(i, "score")] = float(score)
        if with_content:
            content = _get(d, "content", _get(d, "text"))
            if content is not None:
                attrs[key(i, "content")] = str(content)
            meta = _get(d, "metadata")
            if meta:
                attrs[key(i, "metadata")] = to_json(meta)
    return attrs


def genai_documents_json(documents: Sequence[Any], *, with_content: bool) -> str:
    """``gen_ai.retrieval.documents`` JSON: ``[{"id", "score", "content"?}]``."""
    out = []
    for d in documents:
        if isinstance(d, str):
            d = {"content": d}
        entry: dict[str, Any] = {"id": _get(d, "id"), "score": _get(d, "score")}
        if with_content:
            entry["content"] = _get(d, "content", _get(d, "text"))
        out.append(entry)
    return to_json(out)


_PARAM_KEYS = {
    "temperature": sc.GEN_AI_REQUEST_TEMPERATURE,
    "max_tokens": sc.GEN_AI_REQUEST_MAX_TOKENS,
    "max_output_tokens": sc.GEN_AI_REQUEST_MAX_TOKENS,
    "max_completion_tokens": sc.GEN_AI_REQUEST_MAX_TOKENS,
    "top_p": sc.GEN_AI_REQUEST_TOP_P,
    "top_k": sc.GEN_AI_REQUEST_TOP_K,
    "seed": sc.GEN_AI_REQUEST_SEED,
    "frequency_penalty": sc.GEN_AI_REQUEST_FREQUENCY_PENALTY,
    "presence_penalty": sc.GEN_AI_REQUEST_PRESENCE_PENALTY,
    "stream": sc.GEN_AI_REQUEST_STREAM,
}


def invocation_attributes(
    params: Mapping[str, Any], *, openinference: bool, genai: bool
) -> dict[str, AttributeValue]:
    """``llm.invocation_parameters`` JSON and the ``gen_ai.request.*`` scalars."""
    attrs: dict[str, AttributeValue] = {}
    if openinference:
        attrs[sc.LLM_INVOCATION_PARAMETERS] = to_json(dict(params))
    if genai:
        for name, value in params.items():
            key = _PARAM_KEYS.get(name)
            if key is not None and isinstance(value, (int, float, bool)):
                attrs[key] = value
        stop = params.get("stop")
        if isinstance(stop, str):
            attrs[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = [stop]
        elif isinstance(stop, (list, tuple)):
            attrs[sc.GEN_AI_REQUEST_STOP_SEQUENCES] = [str(s) for s in stop]
    return attrs
