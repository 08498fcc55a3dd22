"""The offline demo end to end: run ``mcp-llm-trace demo`` as a subprocess and check the
OTLP/JSON lines it writes (span kinds, LLM keys, federation, PII, cost)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.demo.stub import MODELS, PII_PROMPTS
from mcp_llm_trace.export.file import iter_spans

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

#: The fake personal data / secrets inside PII_PROMPTS (checked against it below).
PII_VALUES = [
    "jane.doe@example.com",
    "415 555 0132",
    "4111 1111 1111 1111",
    "078-05-1120",
    "sk-proj-abcdEFGHijklMNOPqrstUVWXyz0123456789ABCDEFGH",
    "Sup3rSecret!",
    "DE89 3704 0044 0532 0130 00",
    "10.20.30.40",
]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OTEL_", "MCP_LLM_TRACE_", "PHOENIX_", "OPENINFERENCE_"))
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcp_llm_trace.cli",
            "demo",
            "--out",
            str(out),
            "--spans",
            "120",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=280,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def spans(demo_out: Path) -> list[dict[str, Any]]:
    found = list(iter_spans(demo_out))
    assert found
    return found


def _kind(s: dict[str, Any]) -> Any:
    return s["attributes"].get(sc.SPAN_KIND)


def test_files_written(demo_out: Path) -> None:
    assert (demo_out / "traces.jsonl").stat().st_size > 0
    assert (demo_out / "traces-peer.jsonl").stat().st_size > 0


def test_every_span_kind_present(spans: list[dict[str, Any]]) -> None:
    kinds = {_kind(s) for s in spans}
    assert {"LLM", "TOOL", "RETRIEVER", "EMBEDDING", "RERANKER", "CHAIN", "PROMPT"} <= kinds


def test_llm_spans_complete_in_both_conventions(spans: list[dict[str, Any]]) -> None:
    llms = [s for s in spans if _kind(s) == "LLM"]
    assert llms
    for s in llms:
        a = s["attributes"]
        assert a[sc.LLM_MODEL_NAME]
        assert a[sc.GEN_AI_REQUEST_MODEL]
        assert a[sc.LLM_PROVIDER]
        assert a[sc.GEN_AI_PROVIDER_NAME]
        assert a[sc.GEN_AI_OPERATION_NAME] == "chat"
        for key in (
            sc.LLM_TOKEN_PROMPT,
            sc.LLM_TOKEN_COMPLETION,
            sc.LLM_TOKEN_TOTAL,
            sc.GEN_AI_USAGE_INPUT_TOKENS,
            sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        ):
            assert isinstance(a[key], int), (s["name"], key)
        assert a[sc.LLM_TOKEN_TOTAL] == a[sc.LLM_TOKEN_PROMPT] + a[sc.LLM_TOKEN_COMPLETION]
        assert s["name"] == f"chat {a[sc.GEN_AI_REQUEST_MODEL]}"


def test_cost_on_priced_and_flag_on_unknown(spans: list[dict[str, Any]]) -> None:
    unknown = MODELS[-1][0]
    llms = [s["attributes"] for s in spans if _kind(s) == "LLM"]
    priced = [a for a in llms if a[sc.GEN_AI_REQUEST_MODEL] != unknown]
    assert priced
    for a in priced:
        assert a[sc.COST_PRICED] is True
        assert a[sc.LLM_COST_TOTAL] > 0
        assert a[sc.COST_CURRENCY] == "USD"
    for a in (a for a in llms if a[sc.GEN_AI_REQUEST_MODEL] == unknown):
        assert a[sc.COST_PRICED] is False
        assert sc.LLM_COST_TOTAL not in a


def test_federated_peer_joins_the_trace(spans: list[dict[str, Any]]) -> None:
    by_id = {s["span_id"]: s for s in spans}
    peer = [
        s
        for s in spans
        if s["resource"].get("service.name") == "mcp-gateway-2"
        and s["attributes"].get(sc.MCP_METHOD_NAME) == "tools/call"
    ]
    assert peer, "the peer gateway exported no tools/call span"
    gateway1_traces = {
        s["trace_id"] for s in spans if s["resource"].get("service.name") == "mcp-gateway-1"
    }
    for s in peer:
        parent = by_id[s["parent_span_id"]]
        assert parent["name"] == "gateway.forward"
        assert parent["resource"]["service.name"] == "mcp-gateway-1"
        assert s["trace_id"] == parent["trace_id"]
        assert s["trace_id"] in gateway1_traces


def test_no_raw_pii_anywhere(demo_out: Path) -> None:
    for value in PII_VALUES:  # keep the list honest: each value is in the demo prompts
        assert any(value in p for p in PII_PROMPTS), value
    text = "".join(f.read_text(encoding="utf-8") for f in demo_out.glob("*.jsonl"))
    leaked = [v for v in PII_VALUES if v in text or re.sub(r"\s", "", v) in text]
    assert leaked == []


def test_every_key_is_known(spans: list[dict[str, Any]]) -> None:
    unknown = {k for s in spans for k in s["attributes"] if not sc.is_known_key(k)}
    assert unknown == set()
