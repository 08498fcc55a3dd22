"""Every sub-command is reachable through the real ``mcp-llm-trace`` parser.

(Sub-command modules are tested with their own parsers elsewhere; this guards the
wiring in ``cli.py`` — the command a user actually types.)
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mcp_llm_trace.cli import build_parser


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcp_llm_trace.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--help"],
        ["config", "check", "--help"],
        ["tokens", "count", "--help"],
        ["pricing", "show", "--help"],
        ["pricing", "cost", "--help"],
        ["pricing", "validate", "--help"],
        ["pricing", "import", "--help"],
        ["pricing", "diff", "--help"],
        ["pricing", "sync-phoenix", "--help"],
        ["scrub", "--help"],
        ["phoenix", "serve", "--help"],
    ],
    ids=lambda a: " ".join(a[:-1]),
)
def test_every_documented_subcommand_parses(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)
    assert exit_info.value.code == 0


def test_tokens_count_reads_stdin_without_the_echo_newline() -> None:
    out = _run("tokens", "count", "--model", "gpt-4o", "--json", stdin="hello world\n")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["tokens"], data["encoding"], data["exact"]) == (2, "o200k_base", True)


def test_pricing_cost_prices_a_known_model() -> None:
    out = _run(
        "pricing",
        "cost",
        "--model",
        "gpt-4o",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "500",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["priced"] is True
    from decimal import Decimal

    from mcp_llm_trace.pricing import Usage, compute_cost

    expected = compute_cost("gpt-4o", "openai", Usage(1000, 500)).total
    assert Decimal(str(data["total"])) == expected


def test_scrub_through_the_main_command() -> None:
    out = _run("scrub", "--no-presidio", stdin="write to jane.doe@example.com\n")
    assert out.returncode == 0, out.stderr
    assert "jane.doe@example.com" not in out.stdout
    assert "[EMAIL" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics-port", "70000"], "port out of range"),
        (["--metrics-port", "http"], "not a port number"),
        (["--rps", "0"], "must be a finite number > 0"),
        (["--rps", "inf"], "must be a finite number > 0"),
        (["--serve-seconds", "-1", "--metrics-port", "0"], "must be a finite number > 0"),
        (["--serve-seconds", "5"], "--serve-seconds needs --metrics-port"),
    ],
)
def test_demo_rejects_bad_metrics_options_with_a_clear_error(args: list[str], message: str) -> None:
    proc = _run("demo", *args)
    assert proc.returncode == 2
    assert message in proc.stderr
