"""Anthropic requests/results → span handle calls (whole messages and stream events).

Anthropic reports ``input_tokens`` WITHOUT cache reads/writes; the handle gets the OTel
convention (input includes them) through :meth:`~mcp_llm_trace.pricing.Usage.from_anthropic`.
"""

from __future__ import annotations

import json
from typing import Any

from mcp_llm_trace.pricing.model import Usage

__all__ = ["MessageStreamAccumulator", "anthropic_messages", "record_message"]


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _n(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _blocks_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(str(_get(b, "text") or "") for b in content or () if _get(b, "type") == "text")


def anthropic_messages(system: Any, messages: Any) -> list[dict[str, Any]]:
    """``system`` + ``messages`` as chat-style messages: ``tool_use`` blocks become tool
    calls, ``tool_result`` blocks become ``tool`` messages (what ``set_input`` expects)."""
    out: list[dict[str, Any]] = []
    if isinstance(system, str) and system:
        out.append({"role": "system", "content": system})
    elif isinstance(system, (list, tuple)) and system:
        out.append({"role": "system", "content": _blocks_text(system)})
    for m in messages or ():
        role, content = str(_get(m, "role") or "user"), _get(m, "content")
        if isinstance(content, str):
            out.append({"role": role, "content": content})
            continue
        texts: list[str] = []
        calls: list[dict[str, Any]] = []
        for block in content or ():
            kind = _get(block, "type")
            if kind == "text":
                texts.append(str(_get(block, "text") or ""))
            elif kind == "tool_use":
                calls.append(
                    {
                        "id": _get(block, "id"),
                        "name": _get(block, "name"),
                        "arguments": _get(block, "input"),
                    }
                )
            elif kind == "tool_result":
                out.append(
                    {
                        "role": "tool",
                        "tool_call_id": _get(block, "tool_use_id"),
                        "content": _blocks_text(_get(block, "content")),
                    }
                )
        if texts or calls:
            msg: dict[str, Any] = {"role": role, "content": "".join(texts)}
            if calls:
                msg["tool_calls"] = calls
            out.append(msg)
    return out


def _usage(h: Any, usage: Any, output_tokens: int | None = None) -> None:
    if usage is None:
        return
    out = _n(_get(usage, "output_tokens")) if output_tokens is None else output_tokens
    h.set_usage(
        Usage.from_anthropic(
            input_tokens=_n(_get(usage, "input_tokens")),
            output_tokens=out,
            cache_read_input_tokens=_n(_get(usage, "cache_read_input_tokens")),
            cache_creation_input_tokens=_n(_get(usage, "cache_creation_input_tokens")),
        )
    )


def _output(h: Any, text: str, calls: list[dict[str, Any]], stop_reason: Any) -> None:
    msg: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        msg["tool_calls"] = calls
    h.set_output([msg], finish_reason=str(stop_reason) if stop_reason else None)


def record_message(h: Any, message: Any) -> None:
    """A ``Message``: text and ``tool_use`` blocks, stop reason, model/id, usage."""
    blocks = _get(message, "content") or ()
    calls = [
        {"id": _get(b, "id"), "name": _get(b, "name"), "arguments": _get(b, "input")}
        for b in blocks
        if _get(b, "type") == "tool_use"
    ]
    _output(h, _blocks_text(blocks), calls, _get(message, "stop_reason"))
    h.set_response(model=_get(message, "model"), response_id=_get(message, "id"))
    _usage(h, _get(message, "usage"))


class MessageStreamAccumulator:
    """Raw stream events (``message_start`` … ``message_stop``) → output, usage, response."""

    def __init__(self, handle: Any) -> None:
        self.h = handle
        self.message: Any = None
        self.blocks: dict[int, dict[str, Any]] = {}
        self.stop_reason: Any = None
        self.final_usage: Any = None

    def add(self, event: Any) -> None:
        """One event (called from the stream's iterator)."""
        self.h.add_chunk(event)
        kind = _get(event, "type")
        if kind == "message_start":
            self.message = _get(event, "message")
        elif kind == "content_block_start":
            block = _get(event, "content_block")
            self.blocks[_n(_get(event, "index"))] = {
                "type": _get(block, "type"),
                "id": _get(block, "id"),
                "name": _get(block, "name"),
                "text": str(_get(block, "text") or ""),
                "json": "",
            }
        elif kind == "content_block_delta":
            block = self.blocks.setdefault(
                _n(_get(event, "index")), {"type": "text", "text": "", "json": ""}
            )
            delta = _get(event, "delta")
            if _get(delta, "type") == "text_delta":
                block["text"] += str(_get(delta, "text") or "")
            elif _get(delta, "type") == "input_json_delta":
                block["json"] += str(_get(delta, "partial_json") or "")
        elif kind == "message_delta":
            self.stop_reason = _get(_get(event, "delta"), "stop_reason") or self.stop_reason
            self.final_usage = _get(event, "usage") or self.final_usage

    def finish(self) -> None:
        """Write the assembled output, response metadata and usage."""
        if self.message is None and not self.blocks:
            return
        texts, calls = [], []
        for i in sorted(self.blocks):
            b = self.blocks[i]
            if b["type"] == "text":
                texts.append(b["text"])
            elif b["type"] == "tool_use":
                calls.append({"id": b["id"], "name": b["name"], "arguments": _json(b["json"])})
        _output(self.h, "".join(texts), calls, self.stop_reason)
        self.h.set_response(model=_get(self.message, "model"), response_id=_get(self.message, "id"))
        usage = _get(self.message, "usage")
        if usage is not None:
            # message_start has input/cache counts; message_delta the final output count
            # (and, on newer API versions, the input counts again).
            merged = {
                k: _get(self.final_usage, k)
                if _get(self.final_usage, k) is not None
                else _get(usage, k)
                for k in (
                    "input_tokens",
                    "cache_read_input_tokens",
                    "cache_creation_input_tokens",
                    "output_tokens",
                )
            }
            _usage(self.h, merged)


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text
