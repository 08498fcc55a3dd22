"""``mcp-llm-trace config check``: effective config printed, secrets masked, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_llm_trace.cli import main

SECRET = "hdr-secret-7f3a9c"


def _file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "obs.yaml"
    path.write_text(body, encoding="utf-8")
    return str(path)


GOOD = (
    "observability:\n  service:\n    name: cli-svc\n"
    "  tracing:\n    exporter:\n      type: otlp\n      endpoint: https://c.example:4318\n"
    "      headers:\n        api-key: ${CLI_TEST_KEY}\n"
    "  phoenix:\n    api_key: " + SECRET + "-phx\n"
)


def test_check_prints_effective_config_with_masked_headers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLI_TEST_KEY", SECRET)
    code = main(["config", "check", "--file", _file(tmp_path, GOOD)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert SECRET not in out + err
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "cli-svc" in lines["service_name"]
    assert "https://c.example:4318" in lines["otlp.endpoint"]
    assert "'api-key': '***'" in lines["otlp.headers"]
    assert "***" in lines["phoenix.api_key"]


def test_check_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLI_TEST_KEY", SECRET)
    assert main(["config", "check", "--json", "--file", _file(tmp_path, GOOD)]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["problems"] == []
    assert data["config"]["otlp.headers"] == {"api-key": "***"}
    assert SECRET not in out


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("tracing:\n  sampling:\n    rate: 7\n", "tracing.sampling.rate"),
        ("tracing:\n  exporterr:\n    type: otlp\n", "tracing.exporterr"),
        ("tracing:\n  exporter:\n    type: carrier-pigeon\n", "carrier-pigeon"),
        ("tracing:\n  exporter:\n    headers: " + SECRET + "\n", "tracing.exporter.headers"),
    ],
)
def test_check_exits_1_on_problems(
    body: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["config", "check", "--file", _file(tmp_path, body)])
    out, err = capsys.readouterr()
    assert code == 1
    problems = [line for line in err.splitlines() if line.startswith("problem:")]
    assert any(expected in p for p in problems), err
    assert SECRET not in out + err


def test_check_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--file", str(tmp_path / "missing.yaml")]) == 1
    assert "missing.yaml" in capsys.readouterr().err


def test_console_script_exit_code_and_masking(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer {SECRET}",
        "OTEL_BSP_MAX_QUEUE_SIZE": "lots",
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcp_llm_trace.cli",
            "config",
            "check",
            "--file",
            _file(tmp_path, "service_name: x\n"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 1  # the bad OTEL_BSP_MAX_QUEUE_SIZE is a problem
    assert "OTEL_BSP_MAX_QUEUE_SIZE" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert "'authorization': '***'" in proc.stdout
