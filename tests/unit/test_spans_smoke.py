from __future__ import annotations

import mcp_llm_trace as mlt
from mcp_llm_trace.testing import CapturedSpans


def test_llm_span_round_trip(captured_spans: CapturedSpans) -> None:
    with mlt.llm_span(model="gpt-4o", provider="openai") as s:
        s.set_usage(input_tokens=3, output_tokens=2)
    attrs = captured_spans.attributes_of("chat gpt-4o")
    assert attrs["llm.token_count.total"] == 5
    assert attrs["gen_ai.usage.input_tokens"] == 3
