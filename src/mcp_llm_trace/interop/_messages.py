"""Read chat messages back out of span attributes in each foreign format.

Every reader returns messages in the normalized shape the span helpers use
(``{"role", "content", "tool_calls"?, "tool_call_id"?, "name"?}``, see
``_internal/messages.normalize_messages``), so the counterpart keys are built by the same
pure builders as hand instrumentation (``openinference_messages``, ``genai_messages_json``).

Formats: OpenInference flattened (``llm.input_messages.{i}.message.*``), OTel GenAI JSON
(``gen_ai.input.messages``, parts format and the older ``content`` format), OpenLLMetry
indexed (``gen_ai.prompt.{i}.*`` / ``gen_ai.completion.{i}.*``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mcp_llm_trace import semconv as sc

__all__ = ["from_genai", "from_openinference", "from_openllmetry", "has_text"]

Message = dict[str, Any]

_OI_RE = re.compile(r"^llm\.(?P<which>input|output)_messages\.(?P<i>\d+)\.message\.(?P<rest>.+)$")
_OI_CALL_RE = re.compile(r"^tool_calls\.(?P<j>\d+)\.tool_call\.(?P<field>.+)$")
_OLL_RE = re.compile(r"^gen_ai\.(?P<which>prompt|completion)\.(?P<i>\d+)\.(?P<rest>.+)$")
_OLL_CALL_RE = re.compile(r"^tool_calls\.(?P<j>\d+)\.(?P<field>id|name|arguments)$")
_OI_CALL_FIELDS = {
    sc.TOOL_CALL_ID: "id",
    sc.TOOL_CALL_FUNCTION_NAME: "name",
    sc.TOOL_CALL_FUNCTION_ARGUMENTS: "arguments",
}


def has_text(messages: list[Message] | None) -> bool:
    """True when some message carries content or tool calls (roles alone: not captured)."""
    return bool(messages) and any(m.get("content") or m.get("tool_calls") for m in messages or ())


def _finish(
    msgs: dict[int, Message], calls: dict[tuple[int, int], dict[str, Any]]
) -> list[Message]:
    for (i, _j), call in sorted(calls.items()):
        msgs.setdefault(i, {"role": "assistant"}).setdefault("tool_calls", []).append(call)
    out = []
    for i in sorted(msgs):
        m = msgs[i]
        m.setdefault("role", "user")
        m.setdefault("content", "")
        out.append(m)
    return out


def from_openinference(attrs: Mapping[str, Any], *, output: bool) -> list[Message]:
    """Messages from OpenInference flattened keys (``llm.{input|output}_messages``)."""
    which = "output" if output else "input"
    msgs: dict[int, Message] = {}
    calls: dict[tuple[int, int], dict[str, Any]] = {}
    for key, value in attrs.items():
        if not key.startswith("llm."):
            continue
        m = _OI_RE.match(key)
        if m is None or m["which"] != which:
            continue
        i, rest = int(m["i"]), m["rest"]
        msg = msgs.setdefault(i, {})
        if rest in ("role", "content", "name", "tool_call_id"):
            msg[rest] = str(value)
        elif rest.startswith("contents.") and rest.endswith("message_content.text"):
            msg["content"] = str(msg.get("content", "")) + str(value)
        elif (c := _OI_CALL_RE.match(rest)) is not None and c["field"] in _OI_CALL_FIELDS:
            calls.setdefault((i, int(c["j"])), {})[_OI_CALL_FIELDS[c["field"]]] = value
    return _finish(msgs, calls)


def from_openllmetry(attrs: Mapping[str, Any], *, output: bool) -> tuple[list[Message], str | None]:
    """Messages from OpenLLMetry indexed keys (``gen_ai.prompt.{i}.*``/``gen_ai.completion.{i}.*``)
    and the first completion's finish reason."""
    which = "completion" if output else "prompt"
    msgs: dict[int, Message] = {}
    calls: dict[tuple[int, int], dict[str, Any]] = {}
    finish: dict[int, str] = {}
    for key, value in attrs.items():
        if not key.startswith("gen_ai."):
            continue
        m = _OLL_RE.match(key)
        if m is None or m["which"] != which:
            continue
        i, rest = int(m["i"]), m["rest"]
        msg = msgs.setdefault(i, {})
        if rest == "content":
            msg["content"] = _content_text(value)
        elif rest in ("role", "name", "tool_call_id"):
            msg[rest] = str(value)
        elif rest == "finish_reason":
            finish[i] = str(value)
        elif (c := _OLL_CALL_RE.match(rest)) is not None:
            calls.setdefault((i, int(c["j"])), {})[c["field"]] = value
    default_role = "assistant" if output else "user"
    for msg in msgs.values():
        msg.setdefault("role", default_role)
    reason = finish[min(finish)] if finish else None
    return _finish(msgs, calls), reason


def _content_text(value: Any) -> str:
    """OpenLLMetry writes multimodal content as a JSON list of parts: keep the text."""
    text = str(value)
    if text.startswith("[{"):
        try:
            parts = json.loads(text)
        except ValueError:
            return text
        if isinstance(parts, list) and all(isinstance(p, Mapping) for p in parts):
            return "\n".join(str(p["text"]) for p in parts if isinstance(p.get("text"), str))
    return text


def from_genai(value: Any, system_instructions: Any = None) -> list[Message]:
    """Messages from a GenAI ``gen_ai.{input|output}.messages`` JSON value (plus the
    ``gen_ai.system_instructions`` JSON, which becomes a leading system message)."""
    out: list[Message] = []
    system = _loads(system_instructions)
    if isinstance(system, list):
        text = "".join(_part_text(p) for p in system if isinstance(p, Mapping))
        if text:
            out.append({"role": "system", "content": text})
    elif isinstance(system_instructions, str) and system_instructions and system is None:
        out.append({"role": "system", "content": system_instructions})
    data = _loads(value)
    if not isinstance(data, list):
        return out
    for item in data:
        if not isinstance(item, Mapping):
            continue
        msg: Message = {"role": str(item.get("role") or "user"), "content": ""}
        parts = item.get("parts")
        if parts is None:  # the pre-1.37 format: {"role", "content", "tool_calls"}
            content = item.get("content")
            msg["content"] = content if isinstance(content, str) else json.dumps(content or "")
            parts = []
        texts: list[str] = []
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "tool_call":
                msg.setdefault("tool_calls", []).append(
                    {
                        "id": part.get("id"),
                        "name": part.get("name"),
                        "arguments": part.get("arguments"),
                    }
                )
            elif kind == "tool_call_response":
                msg["tool_call_id"] = str(part.get("id") or "")
                texts.append(_as_text(part.get("response")))
            else:
                texts.append(_part_text(part))
        if texts:
            msg["content"] = "".join(texts)
        out.append(msg)
    return out


def _part_text(part: Mapping[str, Any]) -> str:
    value = part.get("content", part.get("text"))
    return _as_text(value) if value is not None else ""


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _loads(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None
