"""`tokens count` and `pricing show|cost|validate|import|diff` through argparse, as wired."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mcp_llm_trace.pricing import shipped_pricing_dir
from mcp_llm_trace.pricing.cli import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_UNPRICED,
    add_pricing_commands,
    add_tokens_commands,
)

REPO = Path(__file__).resolve().parents[2]


def run(argv: list[str], stdin: str = "", capsys: pytest.CaptureFixture[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mcp-llm-trace")
    sub = parser.add_subparsers(dest="command", required=True)
    add_tokens_commands(sub)
    add_pricing_commands(sub)
    args = parser.parse_args(argv)
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return int(args.func(args))
    finally:
        sys.stdin = old


def test_tokens_count_plain_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["tokens", "count", "--model", "gpt-4o"], "hello world") == EXIT_OK
    assert capsys.readouterr().out.strip() == "2"
    assert run(["tokens", "count", "--model", "claude-3-5-haiku", "--json"], "hello world") == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "model": "claude-3-5-haiku",
        "tokens": 2,
        "encoding": "o200k_base",
        "exact": False,
    }


def test_tokens_count_messages(capsys: pytest.CaptureFixture[str]) -> None:
    msgs = json.dumps([{"role": "user", "content": "hello world"}])
    assert run(["tokens", "count", "--messages"], msgs) == 0
    assert capsys.readouterr().out.strip() == str(3 + 1 + 2 + 3)


def test_pricing_cost_json_and_unpriced(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "pricing",
        "cost",
        "--model",
        "o3",
        "--input-tokens",
        "1000000",
        "--output-tokens",
        "1000000",
        "--at",
        "2025-06-09",
        "--json",
    ]
    assert run(argv) == EXIT_OK
    before = json.loads(capsys.readouterr().out)
    argv[argv.index("2025-06-09")] = "2025-06-11"
    assert run(argv) == EXIT_OK
    after = json.loads(capsys.readouterr().out)
    assert before["priced"]
    assert after["priced"]
    assert float(before["total"]) > float(after["total"])
    argv = [
        "pricing",
        "cost",
        "--model",
        "no-such-model",
        "--input-tokens",
        "1",
        "--output-tokens",
        "1",
    ]
    assert run(argv) == EXIT_UNPRICED


def test_pricing_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["pricing", "show", "gpt-4o-mini", "--json"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "gpt-4o-mini"
    assert data["provenance"]["source"].startswith("genai-prices")
    assert run(["pricing", "show", "nope"]) == EXIT_UNPRICED


def test_validate_exit_codes(tmp_path: Path) -> None:
    assert run(["pricing", "validate"]) == EXIT_OK
    (tmp_path / "acme.yml").write_text(
        "provider: acme\ncurrency: USD\nsource: {name: t}\nmodels:\n"
        "- id: a\n  prices:\n  - {input: 1}\n",
        encoding="utf-8",
    )
    assert run(["pricing", "validate", "--dir", str(tmp_path)]) == EXIT_PROBLEMS


def test_diff_and_import_append_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = shipped_pricing_dir()
    assert shipped is not None
    work = tmp_path / "pricing"
    shutil.copytree(shipped, work)
    assert run(["pricing", "diff", str(shipped), str(work)]) == EXIT_OK
    # Simulate an old checked-in price: import must append the new one, not delete.
    text = (work / "openai.yml").read_text(encoding="utf-8")
    start = text.index("- id: gpt-4o-mini\n")
    block_end = text.index("\n- id:", start + 1)
    block = text[start:block_end]
    old_block = block.replace("input: '0.15'", "input: '0.10'")
    assert old_block != block
    (work / "openai.yml").write_text(text[:start] + old_block + text[block_end:], encoding="utf-8")
    assert run(["pricing", "diff", str(shipped), str(work)]) == EXIT_PROBLEMS
    assert "gpt-4o-mini input: 0.15 -> 0.10 (-33.3%)" in capsys.readouterr().out
    assert (
        run(
            [
                *("pricing", "import", "--from", "genai-prices"),
                *("--dir", str(work), "--in-place", "--plain"),
            ]
        )
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert "~ openai/gpt-4o-mini input: 0.10 -> 0.15 (+50.0%)" in out
    merged = (work / "openai.yml").read_text(encoding="utf-8")
    mini = merged[merged.index("- id: gpt-4o-mini\n") :]
    mini = mini[: mini.index("\n- id:")]
    assert "input: '0.10'" in mini  # history kept
    assert "effective_from:" in mini  # new price appended with a date


def test_import_litellm_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "prices.json"
    src.write_text(
        json.dumps(
            {
                "sample_spec": {},
                "gpt-4o": {
                    "litellm_provider": "openai",
                    "mode": "chat",
                    "input_cost_per_token": 2.5e-06,
                    "output_cost_per_token": 1e-05,
                    "cache_read_input_token_cost": 1.25e-06,
                },
                "groq/brand-new-model": {
                    "litellm_provider": "groq",
                    "mode": "chat",
                    "input_cost_per_token": 1e-07,
                    "output_cost_per_token": 2e-07,
                },
            }
        ),
        encoding="utf-8",
    )
    shipped = shipped_pricing_dir()
    assert shipped is not None
    work = tmp_path / "pricing"
    shutil.copytree(shipped, work)
    assert (
        run(
            [
                "pricing",
                "import",
                "--from",
                "litellm",
                "--file",
                str(src),
                "--dir",
                str(work),
                "--dry-run",
                "--json",
            ]
        )
        == EXIT_OK
    )
    report = json.loads(capsys.readouterr().out)
    assert {"provider": "groq", "model": "brand-new-model"}.items() <= report["added"][0].items()
    assert not [c for c in report["changes"] if c["model"] == "gpt-4o"]
    assert report["written"] == []


@pytest.mark.slow
def test_wheel_contains_pricing_data(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".venv*", ".git", "traces", "tmp", "*.pyc", "__pycache__", "node_modules"
        ),
    )
    # With hatchling installed (requirements-dev) the build is offline; otherwise pip
    # fetches hatchling from PyPI into an isolated build environment.
    try:
        import hatchling  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            *isolation,
            "-q",
            str(src),
            "-w",
            str(tmp_path / "dist"),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("mcp_llm_trace-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = shipped_pricing_dir()
    assert shipped is not None
    for f in shipped.glob("*.yml"):
        assert f"mcp_llm_trace/_data/pricing/{f.name}" in names
    assert "mcp_llm_trace/_data/pricing/schema.json" in names
    assert "mcp_llm_trace/_data/model_encodings.json" in names
