"""`mcp-llm-trace scrub` (argparse command) and the scrubbing log exporter."""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from mcp_llm_trace import semconv
from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber, ScrubbingLogExporter
from mcp_llm_trace.privacy.cli import add_scrub_command


def run_cli(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="mcp-llm-trace")
    add_scrub_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    monkeypatch.setattr(
        sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    )
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_scrub_text_stdin_to_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        ["scrub", "--no-presidio"],
        "hi ann@example.com\nkey AKIA2E0A8F3B244C9986\n",
        monkeypatch,
        capsys,
    )
    assert code == 0
    assert out == "hi [EMAIL]\nkey [AWS_ACCESS_KEY_ID]\n"


def test_scrub_profile_option(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    line = "ann@example.com 00:1A:2B:3C:4D:5E\n"
    code, out, _ = run_cli(["scrub", "--no-presidio"], line, monkeypatch, capsys)
    assert code == 0 and out == "[EMAIL] [MAC_ADDRESS]\n"
    code, out, _ = run_cli(
        ["scrub", "--no-presidio", "--profile", "minimal"], line, monkeypatch, capsys
    )
    assert code == 0 and out == "[EMAIL] 00:1A:2B:3C:4D:5E\n"


def test_scrub_jsonl_with_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        {"prompt": "card 4111 1111 1111 1111", "n": 7, "meta": {"password": "x1"}},
        {"msg": "nothing here", "model": "gpt-4o-2024-08-06"},
    ]
    stdin = "".join(json.dumps(x) + "\n" for x in lines) + "not json bob@example.org\n"
    code, out, err = run_cli(
        ["scrub", "--jsonl", "--report", "--no-presidio"], stdin, monkeypatch, capsys
    )
    rows = out.splitlines()
    assert code == 0
    assert len(rows) == 3
    assert json.loads(rows[0]) == {
        "prompt": "card [CREDIT_CARD]",
        "n": 7,
        "meta": {"password": "[PASSWORD]"},
    }
    assert json.loads(rows[1]) == lines[1]
    assert rows[2] == "not json [EMAIL]"
    report = json.loads(err.strip().splitlines()[-1])
    assert report["by_type"] == {"CREDIT_CARD": 1, "EMAIL_ADDRESS": 1, "PASSWORD": 1}
    assert report["redactions"] == 3
    assert report["non_json_lines"] == 1


def test_scrub_config_file(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "obs.yaml"
    cfg.write_text(
        "observability:\n  data_privacy:\n    presidio: false\n"
        "    mask_patterns:\n      - regex: 'ORD-\\d{5}'\n        replacement: '[ORDER]'\n"
    )
    code, out, _ = run_cli(["scrub", "--config", str(cfg)], "order ORD-12345", monkeypatch, capsys)
    assert (code, out) == (0, "order [ORDER]")


def test_bad_config_file_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["scrub", "--config", "/nonexistent/x.yaml"], "", monkeypatch, capsys)
    assert code == 2
    assert "x.yaml" in err


def test_log_records_are_scrubbed_in_the_exporter() -> None:
    mem = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    scrubber = Scrubber(PrivacyConfig(presidio=False))
    provider.add_log_record_processor(SimpleLogRecordProcessor(ScrubbingLogExporter(mem, scrubber)))
    log = logging.getLogger("test.scrub.logs")
    handler = LoggingHandler(logger_provider=provider)
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning(
            "login failed for %s", "eve@example.net", extra={"api_key": "k-123", "attempt": 3}
        )
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    (record,) = mem.get_finished_logs()
    assert record.log_record.body == "login failed for [EMAIL]"
    attrs = dict(record.log_record.attributes or {})
    assert attrs["api_key"] == "[SECRET]"
    assert attrs["attempt"] == 3
    assert attrs[semconv.SCRUB_REDACTIONS] == 2
