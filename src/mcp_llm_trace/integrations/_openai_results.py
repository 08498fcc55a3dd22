"""OpenAI results → span handle calls (chat completions, responses; whole or streamed).

Only public fields of the SDK's result objects are read (``getattr`` with defaults, so
older/newer SDK versions and OpenAI-compatible servers that omit fields still work).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["ChatStream", "ResponsesStream", "record_chat", "record_response", "responses_input"]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _n(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def set_openai_usage(h: Any, usage: Any) -> None:
    """Chat (``prompt_tokens``) or Responses (``input_tokens``) usage. OpenAI's input
    already includes cached tokens and its output the reasoning ones (the OTel way)."""
    if usage is None:
        return
    chat = _get(usage, "prompt_tokens") is not None
    in_details = _get(usage, "prompt_tokens_details" if chat else "input_tokens_details")
    out_details = _get(usage, "completion_tokens_details" if chat else "output_tokens_details")
    h.set_usage(
        input_tokens=_n(_get(usage, "prompt_tokens" if chat else "input_tokens")),
        output_tokens=_n(_get(usage, "completion_tokens" if chat else "output_tokens")),
        cache_read_tokens=_n(_get(in_details, "cached_tokens")),
        cache_write_tokens=_n(_get(in_details, "cache_write_tokens")),
        reasoning_tokens=_n(_get(out_details, "reasoning_tokens")),
        total_tokens=_get(usage, "total_tokens"),
    )


# ---------------------------------------------------------------------- chat completions
def record_chat(h: Any, result: Any) -> None:
    """A ``ChatCompletion``: output message(s), finish reason, response, usage."""
    choices = list(_get(result, "choices") or [])
    messages = [_get(c, "message") for c in choices]
    reasons = [str(r) for c in choices if (r := _get(c, "finish_reason"))]
    if messages:
        h.set_output(messages, finish_reason=reasons[0] if reasons else None)
    h.set_response(
        model=_get(result, "model"),
        response_id=_get(result, "id"),
        finish_reasons=reasons if len(reasons) > 1 else None,
    )
    set_openai_usage(h, _get(result, "usage"))


class ChatStream:
    """Assembles ``ChatCompletionChunk``s: text and tool-call deltas per choice."""

    def __init__(self, handle: Any) -> None:
        self.h = handle
        self.model: str | None = None
        self.id: str | None = None
        self.usage: Any = None
        self.text: dict[int, list[str]] = {}
        self.calls: dict[int, dict[int, dict[str, Any]]] = {}
        self.reasons: dict[int, str] = {}

    def add(self, chunk: Any) -> None:
        """One chunk (called from the stream's iterator)."""
        self.h.add_chunk(chunk)
        self.model = self.model or _get(chunk, "model")
        self.id = self.id or _get(chunk, "id")
        if _get(chunk, "usage") is not None:
            self.usage = _get(chunk, "usage")
        for choice in _get(chunk, "choices") or ():
            i = _n(_get(choice, "index"))
            self.text.setdefault(i, [])
            delta = _get(choice, "delta")
            content = _get(delta, "content")
            if isinstance(content, str):
                self.text[i].append(content)
            for tc in _get(delta, "tool_calls") or ():
                call = self.calls.setdefault(i, {}).setdefault(
                    _n(_get(tc, "index")), {"id": None, "name": "", "arguments": ""}
                )
                call["id"] = call["id"] or _get(tc, "id")
                fn = _get(tc, "function")
                call["name"] += _get(fn, "name") or ""
                call["arguments"] += _get(fn, "arguments") or ""
            if _get(choice, "finish_reason"):
                self.reasons[i] = str(_get(choice, "finish_reason"))

    def finish(self) -> None:
        """Write the assembled output, response metadata and usage."""
        messages = []
        for i in sorted(self.text):
            msg: dict[str, Any] = {"role": "assistant", "content": "".join(self.text[i])}
            calls = self.calls.get(i)
            if calls:
                msg["tool_calls"] = [calls[j] for j in sorted(calls)]
            messages.append(msg)
        reasons = [self.reasons[i] for i in sorted(self.reasons)]
        if messages:
            self.h.set_output(messages, finish_reason=reasons[0] if reasons else None)
        self.h.set_response(
            model=self.model,
            response_id=self.id,
            finish_reasons=reasons if len(reasons) > 1 else None,
        )
        set_openai_usage(self.h, self.usage)


# ---------------------------------------------------------------------- responses
def responses_input(value: Any, instructions: Any = None) -> list[dict[str, Any]]:
    """``responses.create(input=..., instructions=...)`` as chat-style messages."""
    out: list[dict[str, Any]] = []
    if isinstance(instructions, str) and instructions:
        out.append({"role": "system", "content": instructions})
    if isinstance(value, str):
        out.append({"role": "user", "content": value})
        return out
    for item in value if isinstance(value, Iterable) else ():
        kind = _get(item, "type")
        if kind == "function_call":
            call = {
                "id": _get(item, "call_id"),
                "name": _get(item, "name"),
                "arguments": _get(item, "arguments"),
            }
            out.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif kind == "function_call_output":
            output = _get(item, "output")
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": _get(item, "call_id"),
                    "content": output if isinstance(output, str) else str(output),
                }
            )
        elif _get(item, "role") is not None:
            out.append({"role": _get(item, "role"), "content": _get(item, "content")})
    return out


def record_response(h: Any, resp: Any) -> None:
    """A ``Response``: output text and function calls, usage, response metadata."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for item in _get(resp, "output") or ():
        kind = _get(item, "type")
        if kind == "message":
            for part in _get(item, "content") or ():
                if _get(part, "type") == "output_text":
                    texts.append(str(_get(part, "text") or ""))
        elif kind == "function_call":
            calls.append(
                {
                    "id": _get(item, "call_id"),
                    "name": _get(item, "name"),
                    "arguments": _get(item, "arguments"),
                }
            )
    msg: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
    if calls:
        msg["tool_calls"] = calls
    reason = None
    if _get(resp, "status") == "incomplete":
        reason = _get(_get(resp, "incomplete_details"), "reason")
    h.set_output([msg], finish_reason=reason)
    h.set_response(model=_get(resp, "model"), response_id=_get(resp, "id"))
    set_openai_usage(h, _get(resp, "usage"))


class ResponsesStream:
    """Responses API stream events: text deltas as chunks, the final response recorded."""

    _FINAL = frozenset({"response.completed", "response.incomplete", "response.failed"})

    def __init__(self, handle: Any) -> None:
        self.h = handle
        self.final: Any = None

    def add(self, event: Any) -> None:
        """One event (called from the stream's iterator)."""
        kind = _get(event, "type")
        delta = _get(event, "delta")
        text = delta if kind == "response.output_text.delta" and isinstance(delta, str) else ""
        self.h.add_chunk(text)
        if kind in self._FINAL:
            self.final = _get(event, "response")

    def finish(self) -> None:
        """Record the final response (else the assembled text stays the output)."""
        if self.final is not None:
            record_response(self.h, self.final)
