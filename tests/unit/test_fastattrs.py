"""The fast attribute writer stores exactly what the SDK's ``set_attributes`` stores."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry.sdk.trace import SpanLimits, TracerProvider

from mcp_llm_trace._internal import messages as msg
from mcp_llm_trace._internal.fastattrs import write_attributes

ATTRS: dict[str, Any] = {
    "a.str": "x" * 40,
    "a.int": 7,
    "a.float": 0.5,
    "a.bool": True,
    "a.list": ["stop", "length"],
    "a.ints": [1, 2, 3],
    "start": "overwritten",
}


def _pair(limits: SpanLimits | None = None) -> tuple[Any, Any]:
    provider = TracerProvider(span_limits=limits) if limits else TracerProvider()
    tracer = provider.get_tracer("t")
    return (
        tracer.start_span("s", attributes={"start": 1, "keep": "k"}),
        tracer.start_span("s", attributes={"start": 1, "keep": "k"}),
    )


@pytest.mark.parametrize(
    "limits",
    [None, SpanLimits(max_span_attributes=4), SpanLimits(max_span_attribute_length=10)],
    ids=["default", "max_attributes", "max_length"],
)
@pytest.mark.parametrize(
    "attrs",
    [
        ATTRS,
        {k: v for k, v in ATTRS.items() if not isinstance(v, list) and k != "start"},
        {"start": "re-set", "new": 2},
        {"": "empty key", "x": 1},
    ],
    ids=["mixed", "plain_new_keys", "re_set_key", "empty_key"],
)
def test_same_result_as_sdk(limits: SpanLimits | None, attrs: dict[str, Any]) -> None:
    fast, sdk = _pair(limits)
    write_attributes(fast, attrs)
    sdk.set_attributes(attrs)
    assert list(fast.attributes.items()) == list(sdk.attributes.items())
    assert [type(v) for v in fast.attributes.values()] == [type(v) for v in sdk.attributes.values()]
    assert fast.dropped_attributes == sdk.dropped_attributes


def test_ended_span_is_left_alone() -> None:
    fast, sdk = _pair()
    fast.end()
    sdk.end()
    write_attributes(fast, ATTRS)
    assert dict(fast.attributes) == {"start": 1, "keep": "k"}


def test_non_sdk_span_falls_back() -> None:
    from opentelemetry.trace import INVALID_SPAN

    write_attributes(INVALID_SPAN, ATTRS)  # no error, nothing recorded


@pytest.mark.parametrize(
    "value",
    [
        [{"role": "user", "content": 'héllo "q" \n\t\u2028 \x00 😀'}],
        [{"role": "user", "content": ""}, {"role": "assistant", "content": "ok", "name": "n"}],
        [],
        [{"role": "user", "content": "x", "n": 1}],
        [{"a": "b"}, "s"],
    ],
)
def test_fast_json_is_byte_identical(value: Any) -> None:
    expected = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    assert msg.to_json(value) == expected


@pytest.mark.parametrize("finish", [None, "stop"])
def test_fast_genai_json_matches_general_path(finish: str | None) -> None:
    messages = msg.normalize_messages(
        [{"role": "system", "content": "sé"}, {"role": "user", "content": ""}]
    )
    out = json.loads(msg.genai_messages_json(messages, finish_reason=finish))
    parts = [{"type": "text", "content": "sé"}]
    expected: list[dict[str, Any]] = [
        {"role": "system", "parts": parts},
        {"role": "user", "parts": []},
    ]
    if finish is not None:
        for e in expected:
            e["finish_reason"] = finish
    assert out == expected
    assert msg.genai_messages_json(messages, finish_reason=finish) == json.dumps(
        expected, ensure_ascii=False, separators=(",", ":")
    )


_TRICKY = 'héllo "q" \\ \n\t\u2028 \x00 \x1f 😀 </script>'


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _parts_format(messages: list[dict[str, Any]], finish: str | None) -> list[dict[str, Any]]:
    """The parts format of text-only messages, spelled out independently of the code."""
    out = []
    for m in messages:
        entry: dict[str, Any] = {
            "role": m["role"],
            "parts": [{"type": "text", "content": m["content"]}] if m["content"] else [],
        }
        if finish is not None:
            entry["finish_reason"] = finish
        out.append(entry)
    return out


@pytest.mark.parametrize("finish", [None, "stop", _TRICKY])
@pytest.mark.parametrize(
    "value",
    [
        [{"role": "system", "content": _TRICKY}, {"role": _TRICKY, "content": ""}],
        [{"content": "no role"}, "a string", {"role": "user", "content": ["p1", "p2"]}],
        [],
    ],
    ids=["text", "normalized_text", "empty"],
)
def test_shared_message_encodings_are_byte_identical(value: Any, finish: str | None) -> None:
    messages = msg.normalize_messages(value)
    plain, genai = msg.message_jsons(messages, plain=True, genai=True, finish_reason=finish)
    assert plain == _dumps(messages)
    assert genai == _dumps(_parts_format(messages, finish))
    assert msg.message_jsons(messages, plain=True, genai=False) == (plain, None)
    assert msg.message_jsons(messages, plain=False, genai=True, finish_reason=finish) == (
        None,
        genai,
    )
    assert msg.message_jsons(messages, plain=False, genai=False) == (None, None)


def test_shared_encodings_fall_back_for_richer_messages() -> None:
    messages = msg.normalize_messages(
        [
            {"role": "user", "content": "x", "name": "bob"},
            {"role": "assistant", "tool_calls": [{"id": "1", "name": "f", "arguments": "{}"}]},
        ]
    )
    plain, genai = msg.message_jsons(messages, plain=True, genai=True)
    assert plain == _dumps(messages)
    assert genai == msg.genai_messages_json(messages)
    assert json.loads(genai)[1]["parts"][0]["type"] == "tool_call"


@pytest.mark.parametrize("text", ["", "ok", _TRICKY])
@pytest.mark.parametrize("finish", ["stop", "length", _TRICKY])
def test_assistant_text_json_matches_general_path(text: str, finish: str) -> None:
    general = msg.genai_messages_json(
        msg.normalize_messages(text, default_role="assistant"), finish_reason=finish
    )
    assert msg.assistant_text_json(text, finish) == general
    assert general == _dumps(_parts_format([{"role": "assistant", "content": text}], finish))


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ([{"role": "system", "content": _TRICKY}, {"role": "user", "content": ""}], True),
        (({"role": "user", "content": "t"},), True),
        ([], True),
        ([{"content": "c", "role": "user"}], True),  # key order: normalized role-first
        ([{"role": "", "content": "empty role"}], False),
        ([{"role": "user", "content": None}], False),
        ([{"role": "user", "content": "x", "name": "n"}], False),
        (["a string"], False),
        ("a string", False),
        ({"role": "user", "content": "a dict"}, False),
    ],
)
@pytest.mark.parametrize(("plain", "genai"), [(True, True), (True, False), (False, False)])
def test_text_input_is_the_general_path_in_one_pass(
    value: Any, fast: bool, plain: bool, genai: bool
) -> None:
    got = msg.text_input(value, plain=plain, genai=genai)
    assert (got is not None) == fast
    if got is not None:
        messages = msg.normalize_messages(value)
        jsons = msg.message_jsons(messages, plain=plain, genai=genai)
        assert got == (messages, msg.content_length(messages), *jsons)
        assert [list(m) for m in got[0]] == [["role", "content"]] * len(messages)
        if plain:
            assert got[2] == _dumps(messages)
