"""Other libraries' LLM spans end up priced, counted, completed and scrubbed at a real
OTLP receiver, through ``configure(traces_exporter="otlp")``.

Formats: OpenLLMetry and the OTel GenAI instrumentation (their documented attribute sets,
emitted with a plain OTel tracer — those libraries are not installed), the REAL
``openinference-instrumentation-openai`` instrumentor and the REAL ``anthropic`` SDK's own
call spans, both calling a local fake provider server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from tests.support.fake_llm_server import ANTHROPIC_USAGE, OPENAI_USAGE, TEXT, FakeLLMServer
from tests.support.foreign_spans import ALL, CARD, EMAIL, PROMPT, strings_of
from tests.support.receivers import OTLPHTTPReceiver

import mcp_llm_trace as mlt
from mcp_llm_trace import semconv as sc
from mcp_llm_trace.pricing import Usage, compute_cost

pytestmark = pytest.mark.integration


@pytest.fixture
def otlp() -> Iterator[tuple[OTLPHTTPReceiver, Any]]:
    with OTLPHTTPReceiver() as rx:
        tel = mlt.configure(
            force=True,
            service_name="foreign",
            traces_exporter="otlp",
            otlp_endpoint=rx.base_url,
            otlp_protocol="http/protobuf",
            capture_content=True,
            sanitize_pii=True,
            batch_schedule_delay_s="10ms",
            metrics_exporter="none",
        )
        try:
            yield rx, tel
        finally:
            tel.shutdown()


def assert_priced(a: dict[str, Any], model: str, provider: str, usage: Usage) -> None:
    cost = compute_cost(model, provider, usage)
    assert cost.priced
    assert a[sc.COST_TOTAL] == format(cost.total, "f")
    assert a[sc.LLM_COST_TOTAL] == pytest.approx(float(cost.total))
    assert a[sc.LLM_TOKEN_TOTAL] == usage.total_tokens
    assert a[sc.LLM_TOKEN_PROMPT] == a[sc.GEN_AI_USAGE_INPUT_TOKENS] == usage.input_tokens
    assert a[sc.LLM_TOKEN_COMPLETION] == a[sc.GEN_AI_USAGE_OUTPUT_TOKENS] == usage.output_tokens


def test_documented_foreign_formats_at_otlp_receiver(otlp: tuple[OTLPHTTPReceiver, Any]) -> None:
    rx, tel = otlp
    ids = {fs.emit(tel.tracer_provider.get_tracer(fs.library)): fs for fs in ALL.values()}
    tel.force_flush()
    got = rx.wait_for(len(ALL))
    assert sorted(s["span_id"] for s in got) == sorted(ids)
    for span in got:
        fs = ids[span["span_id"]]
        assert span["scope"] == fs.library and span["name"] == fs.name
        a = span["attributes"]
        usage = Usage(fs.input_tokens, fs.output_tokens, cache_read_tokens=fs.cache_read_tokens)
        assert_priced(a, fs.model, fs.provider, usage)
        text = " ".join(strings_of(span))
        assert EMAIL not in text and CARD not in text, fs.name
        if EMAIL in str(fs.attributes) or fs.events:  # it had content to scrub
            assert a[sc.SCRUB_REDACTIONS] >= 1
        if not fs.embedding and not fs.events:
            assert sc.GEN_AI_INPUT_MESSAGES in a and sc.input_message_key(0, "role") in a


def test_real_openinference_openai_instrumentor(otlp: tuple[OTLPHTTPReceiver, Any]) -> None:
    from openinference.instrumentation.openai import OpenAIInstrumentor

    rx, tel = otlp
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(tracer_provider=tel.tracer_provider)
    try:
        with FakeLLMServer() as srv:
            client = openai.OpenAI(api_key="test", base_url=srv.openai_base_url, max_retries=0)
            with mlt.using_attributes(user_id="u-1", tenant_id="acme"):
                reply = client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
                )
        assert reply.choices[0].message.content == TEXT
        tel.force_flush()
        (span,) = rx.wait_for(1)
    finally:
        instrumentor.uninstrument()
    assert span["scope"].startswith("openinference.instrumentation.openai")
    a = span["attributes"]
    u = OPENAI_USAGE
    assert a[sc.LLM_TOKEN_CACHE_READ] == u["cached"]
    usage = Usage(u["prompt_tokens"], u["completion_tokens"], cache_read_tokens=u["cached"])
    assert_priced(a, a[sc.LLM_MODEL_NAME], "openai", usage)
    assert a[sc.GEN_AI_PROVIDER_NAME] == "openai"
    assert a[sc.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini-2024-07-18"
    assert sc.GEN_AI_INPUT_MESSAGES in a and sc.GEN_AI_OUTPUT_MESSAGES in a
    assert a[sc.USER_ID] == "u-1" and a[sc.TENANT_ID] == "acme"
    text = " ".join(strings_of(span))
    assert EMAIL not in text and CARD not in text and "invoice" in text


def test_real_anthropic_sdk_spans(otlp: tuple[OTLPHTTPReceiver, Any]) -> None:
    rx, tel = otlp
    with FakeLLMServer() as srv:
        client = anthropic.Anthropic(api_key="test", base_url=srv.base_url, max_retries=0)
        client.messages.create(
            model="claude-3-5-sonnet-20241022",
            max_tokens=64,
            messages=[{"role": "user", "content": PROMPT}],
        )
    tel.force_flush()
    (span,) = rx.wait_for(1)
    assert span["scope"] == "com.anthropic.sdk.python"
    a = span["attributes"]
    u = ANTHROPIC_USAGE
    usage = Usage.from_anthropic(
        u["input_tokens"],
        u["output_tokens"],
        cache_read_input_tokens=u["cache_read"],
        cache_creation_input_tokens=u["cache_write"],
    )
    assert_priced(a, "claude-3-5-sonnet-20241022", "anthropic", usage)
    assert a[sc.LLM_TOKEN_CACHE_WRITE] == u["cache_write"]
    assert a[sc.SPAN_KIND] == sc.KIND_LLM and a[sc.LLM_PROVIDER] == "anthropic"
