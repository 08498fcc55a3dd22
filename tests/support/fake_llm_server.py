"""A local OpenAI- and Anthropic-compatible HTTP server for tests (127.0.0.1, free port).

Serves recorded-shape JSON and SSE streams so the REAL ``openai`` and ``anthropic``
client libraries can be exercised offline, without keys:

* ``POST /v1/chat/completions`` (JSON; SSE when ``stream``; a final usage chunk when
  ``stream_options.include_usage``; a tool call when ``tools`` are offered)
* ``POST /v1/responses`` (JSON; SSE events when ``stream``; a function call with tools)
* ``POST /v1/embeddings`` (float or base64 encoding)
* ``POST /v1/messages`` (Anthropic; JSON or SSE events; ``tool_use`` with tools)

A request whose model is ``error-<status>`` gets that HTTP status with the provider's
error body. Every request body is recorded in :attr:`FakeLLMServer.requests`.

Example::

    with FakeLLMServer() as srv:
        client = openai.OpenAI(api_key="test", base_url=srv.openai_base_url)
"""

from __future__ import annotations

import base64
import json
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT = "Hello there! How can I help?"
TEXT_PIECES = ["Hello", " there!", " How can I help?"]
TOOL_ARGS = '{"city": "Paris"}'
TOOL_ARG_PIECES = ['{"city": ', '"Paris"}']
#: Usage each endpoint reports (OpenAI: input includes cached; Anthropic: excludes it).
OPENAI_USAGE = {"prompt_tokens": 1200, "completion_tokens": 30, "cached": 1024, "reasoning": 10}
ANTHROPIC_USAGE = {"input_tokens": 100, "output_tokens": 20, "cache_read": 900, "cache_write": 50}
EMBED_TOKENS = 7
VECTOR = [0.25, -0.5, 0.125]
RESPONSE_MODELS = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4o": "gpt-4o-2024-08-06"}
CREATED = 1_700_000_000


def _openai_usage() -> dict[str, Any]:
    u = OPENAI_USAGE
    return {
        "prompt_tokens": u["prompt_tokens"],
        "completion_tokens": u["completion_tokens"],
        "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
        "prompt_tokens_details": {"cached_tokens": u["cached"], "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": u["reasoning"], "audio_tokens": 0},
    }


def _anthropic_usage(output_tokens: int) -> dict[str, Any]:
    u = ANTHROPIC_USAGE
    return {
        "input_tokens": u["input_tokens"],
        "output_tokens": output_tokens,
        "cache_read_input_tokens": u["cache_read"],
        "cache_creation_input_tokens": u["cache_write"],
    }


def _tool_name(body: dict[str, Any]) -> str | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    t = tools[0]
    return str(t.get("function", {}).get("name") or t.get("name"))


class FakeLLMServer:
    """Threaded fake provider server; use as a context manager (always torn down)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_base_url(self) -> str:
        """``base_url`` for ``openai.OpenAI``."""
        return f"{self.base_url}/v1"

    def __enter__(self) -> FakeLLMServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle + delayed
            # ACK add ~40 ms to every keep-alive response.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}")
                server.requests.append({"path": self.path, "body": body})
                server._route(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ------------------------------------------------------------------ routing
    def _route(self, h: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        model = str(body.get("model", ""))
        anthropic = h.path.endswith("/messages")
        if model.startswith("error-"):
            status = int(model.split("-", 1)[1])
            err = (
                {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
                if anthropic
                else {"error": {"message": "slow down", "type": "requests", "code": "rate"}}
            )
            return _json(h, err, status)
        if h.path.endswith("/chat/completions"):
            if body.get("stream"):
                return _sse(h, _chat_chunks(body))
            return _json(h, _chat(body))
        if h.path.endswith("/responses"):
            if body.get("stream"):
                return _sse(h, _responses_events(body))
            return _json(h, _response(body))
        if h.path.endswith("/embeddings"):
            return _json(h, _embeddings(body))
        if anthropic:
            if body.get("stream"):
                return _sse(h, _anthropic_events(body))
            return _json(h, _anthropic(body))
        return _json(h, {"error": {"message": "not found"}}, 404)


def _json(h: BaseHTTPRequestHandler, data: Any, status: int = 200) -> None:
    raw = json.dumps(data).encode()
    h.send_response(status)
    h.send_header("content-type", "application/json")
    h.send_header("content-length", str(len(raw)))
    h.send_header("x-request-id", "req_fake")
    h.end_headers()
    h.wfile.write(raw)


def _sse(h: BaseHTTPRequestHandler, events: list[tuple[str | None, Any]]) -> None:
    h.send_response(200)
    h.send_header("content-type", "text/event-stream")
    h.send_header("connection", "close")
    h.end_headers()
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        line = (f"event: {name}\n" if name else "") + f"data: {text}\n\n"
        h.wfile.write(line.encode())
        h.wfile.flush()
    h.close_connection = True


# ---------------------------------------------------------------------- OpenAI chat
def _chat(body: dict[str, Any]) -> dict[str, Any]:
    tool = _tool_name(body)
    msg: dict[str, Any] = {"role": "assistant", "content": TEXT, "refusal": None}
    if tool:
        msg["content"] = None
        msg["tool_calls"] = [
            {
                "id": "call_fake1",
                "type": "function",
                "function": {"name": tool, "arguments": TOOL_ARGS},
            }
        ]
    return {
        "id": "chatcmpl-fake1",
        "object": "chat.completion",
        "created": CREATED,
        "model": RESPONSE_MODELS.get(body["model"], body["model"]),
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": msg,
                "logprobs": None,
                "finish_reason": "tool_calls" if tool else "stop",
            }
        ],
        "usage": _openai_usage(),
    }


def _chat_chunks(body: dict[str, Any]) -> list[tuple[str | None, Any]]:
    tool = _tool_name(body)
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    base = {
        "id": "chatcmpl-fake1",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": RESPONSE_MODELS.get(body["model"], body["model"]),
        "system_fingerprint": "fp_fake",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> tuple[None, Any]:
        c = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if include_usage:
            c["usage"] = None
        return None, c

    out = [chunk({"role": "assistant", "content": ""})]
    if tool:
        out.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_fake1",
                            "type": "function",
                            "function": {"name": tool, "arguments": ""},
                        }
                    ]
                }
            )
        )
        for piece in TOOL_ARG_PIECES:
            out.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
    else:
        out.extend(chunk({"content": piece}) for piece in TEXT_PIECES)
    out.append(chunk({}, "tool_calls" if tool else "stop"))
    if include_usage:
        out.append((None, {**base, "choices": [], "usage": _openai_usage()}))
    out.append((None, "[DONE]"))
    return out


# ---------------------------------------------------------------------- OpenAI responses
def _response(body: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    tool = _tool_name(body)
    if tool:
        output: list[dict[str, Any]] = [
            {
                "type": "function_call",
                "id": "fc_fake1",
                "call_id": "call_fake1",
                "name": tool,
                "arguments": TOOL_ARGS,
                "status": "completed",
            }
        ]
    else:
        output = [
            {
                "type": "message",
                "id": "msg_fake1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": TEXT, "annotations": []}],
            }
        ]
    u = OPENAI_USAGE
    return {
        "id": "resp_fake1",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "model": RESPONSE_MODELS.get(body["model"], body["model"]),
        "output": output if status == "completed" else [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "usage": {
            "input_tokens": u["prompt_tokens"],
            "input_tokens_details": {"cached_tokens": u["cached"]},
            "output_tokens": u["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": u["reasoning"]},
            "total_tokens": u["prompt_tokens"] + u["completion_tokens"],
        },
    }


def _responses_events(body: dict[str, Any]) -> list[tuple[str | None, Any]]:
    start = _response(body, "in_progress")
    start["usage"] = None
    events: list[tuple[str | None, Any]] = [
        ("response.created", {"type": "response.created", "response": start})
    ]
    for piece in TEXT_PIECES:
        events.append(
            (
                "response.output_text.delta",
                {
                    "type": "response.output_text.delta",
                    "item_id": "msg_fake1",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": piece,
                },
            )
        )
    events.append(
        ("response.completed", {"type": "response.completed", "response": _response(body)})
    )
    for i, (_, data) in enumerate(events):
        data["sequence_number"] = i
    return events


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    b64 = body.get("encoding_format") == "base64"
    packed = base64.b64encode(struct.pack(f"<{len(VECTOR)}f", *VECTOR)).decode()
    return {
        "object": "list",
        "model": body["model"],
        "data": [
            {"object": "embedding", "index": i, "embedding": packed if b64 else VECTOR}
            for i in range(len(inputs))
        ],
        "usage": {"prompt_tokens": EMBED_TOKENS, "total_tokens": EMBED_TOKENS},
    }


# ---------------------------------------------------------------------- Anthropic
def _anthropic(body: dict[str, Any]) -> dict[str, Any]:
    tool = _tool_name(body)
    content: list[dict[str, Any]] = [{"type": "text", "text": TEXT}]
    if tool:
        content.append(
            {"type": "tool_use", "id": "toolu_fake1", "name": tool, "input": {"city": "Paris"}}
        )
    return {
        "id": "msg_fake1",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": "tool_use" if tool else "end_turn",
        "stop_sequence": None,
        "usage": _anthropic_usage(ANTHROPIC_USAGE["output_tokens"]),
    }


def _anthropic_events(body: dict[str, Any]) -> list[tuple[str | None, Any]]:
    tool = _tool_name(body)
    msg = {**_anthropic(body), "content": [], "stop_reason": None, "usage": _anthropic_usage(1)}
    ev: list[tuple[str | None, Any]] = [
        ("message_start", {"type": "message_start", "message": msg})
    ]
    ev.append(
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
    )
    ev.append(("ping", {"type": "ping"}))
    for piece in TEXT_PIECES:
        ev.append(
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
        )
    ev.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
    if tool:
        block = {"type": "tool_use", "id": "toolu_fake1", "name": tool, "input": {}}
        ev.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": 1, "content_block": block},
            )
        )
        for piece in TOOL_ARG_PIECES:
            delta = {"type": "input_json_delta", "partial_json": piece}
            ev.append(
                ("content_block_delta", {"type": "content_block_delta", "index": 1, "delta": delta})
            )
        ev.append(("content_block_stop", {"type": "content_block_stop", "index": 1}))
    ev.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": ANTHROPIC_USAGE["output_tokens"]},
            },
        )
    )
    ev.append(("message_stop", {"type": "message_stop"}))
    return ev
