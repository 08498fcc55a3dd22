"""Read captured prompt/completion text back out of span attributes, whoever wrote them.

Sources, in order: OpenInference flattened messages (``llm.input_messages.{i}.message.*``),
OTel GenAI JSON messages (``gen_ai.input.messages``), then ``input.value``/``output.value``
(a JSON message list or plain text). Embedding spans: ``embedding.embeddings.{i}.embedding.text``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mcp_llm_trace import semconv as sc

__all__ = ["embedding_texts", "input_messages", "output_text"]

_MSG_RE = re.compile(
    r"^(?P<list>llm\.(?:input|output)_messages)\.(?P<i>\d+)\.message\.(?P<rest>.+)$"
)
_EMB_RE = re.compile(r"^embedding\.embeddings\.(?P<i>\d+)\.embedding\.text$")


def _flattened(attrs: Mapping[str, Any], which: str) -> list[dict[str, Any]]:
    msgs: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        m = _MSG_RE.match(key)
        if m is None or m["list"] != which:
            continue
        msg = msgs.setdefault(int(m["i"]), {})
        rest = m["rest"]
        if rest in ("role", "content", "name"):
            msg[rest] = value
        elif rest.startswith("contents.") and rest.endswith("message_content.text"):
            msg["content"] = str(msg.get("content", "")) + str(value)
        elif rest.startswith("tool_calls.") and rest.endswith(
            ("function.arguments", "function.name")
        ):
            msg["tool_calls"] = str(msg.get("tool_calls", "")) + str(value)
    return [msgs[i] for i in sorted(msgs)]


def _parts_text(parts: Any) -> str:
    if isinstance(parts, str):
        return parts
    out: list[str] = []
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, Mapping):
            continue
        for key in ("content", "text", "arguments", "response", "result"):
            value = part.get(key)
            if value is not None:
                out.append(value if isinstance(value, str) else json.dumps(value))
                break
    return "".join(out)


def _genai(value: Any) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    msgs = []
    for item in data:
        if isinstance(item, Mapping):
            content = item.get("content")
            if content is None:
                content = _parts_text(item.get("parts"))
            elif not isinstance(content, str):
                content = _parts_text(content)
            msgs.append({"role": str(item.get("role", "user")), "content": content})
    return msgs


def _has_text(msgs: list[dict[str, Any]] | None) -> bool:
    # With content capture off, flattened messages carry roles only: nothing to count.
    return bool(msgs) and any(m.get("content") or m.get("tool_calls") for m in msgs or ())


def input_messages(attrs: Mapping[str, Any]) -> list[dict[str, Any]] | str | None:
    """The prompt as a message list (preferred) or plain text; None when not captured."""
    msgs = _flattened(attrs, sc.LLM_INPUT_MESSAGES)
    if _has_text(msgs):
        return msgs
    msgs_g = _genai(attrs.get(sc.GEN_AI_INPUT_MESSAGES))
    if msgs_g:
        system = attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS)
        if isinstance(system, str):
            text = _parts_text(_loads(system)) or system
            msgs_g.insert(0, {"role": "system", "content": text})
        return msgs_g
    value = attrs.get(sc.INPUT_VALUE)
    if isinstance(value, str):
        return _genai(value) or value
    return None


def output_text(attrs: Mapping[str, Any]) -> str | None:
    """The completion text (all output messages joined); None when not captured."""
    msgs: list[dict[str, Any]] | None = _flattened(attrs, sc.LLM_OUTPUT_MESSAGES)
    if not _has_text(msgs):
        msgs = _genai(attrs.get(sc.GEN_AI_OUTPUT_MESSAGES))
    if msgs:
        return "".join(str(m.get("content") or "") + str(m.get("tool_calls") or "") for m in msgs)
    value = attrs.get(sc.OUTPUT_VALUE)
    if isinstance(value, str):
        as_msgs = _genai(value)
        return "".join(str(m["content"]) for m in as_msgs) if as_msgs else value
    return None


def embedding_texts(attrs: Mapping[str, Any]) -> str | None:
    """Texts sent to an embedding model, concatenated; None when not captured."""
    texts = {int(m["i"]): str(v) for k, v in attrs.items() if (m := _EMB_RE.match(k))}
    if texts:
        return "\n".join(texts[i] for i in sorted(texts))
    value = attrs.get(sc.INPUT_VALUE)
    return value if isinstance(value, str) else None


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
