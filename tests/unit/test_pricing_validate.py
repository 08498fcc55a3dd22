"""pricing validate: the shipped data is valid; broken fixtures fail with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_llm_trace.pricing import shipped_pricing_dir
from mcp_llm_trace.pricing.validate import validate_dir

HEAD = "provider: acme\ncurrency: USD\nsource: {name: test}\nmodels:\n"
PROV = "  provenance: {source: test, url: 'https://example.com', checked: '2025-01-01'}\n"


def _write(tmp: Path, models: str) -> Path:
    (tmp / "acme.yml").write_text(HEAD + models, encoding="utf-8")
    return tmp


def test_shipped_data_is_valid() -> None:
    directory = shipped_pricing_dir()
    assert directory is not None
    assert validate_dir(directory) == []
    assert len(list(directory.glob("*.yml"))) >= 10


def test_valid_fixture_passes(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: a\n" + PROV + "  prices:\n  - {input: '1', output: '2'}\n")
    assert validate_dir(d) == []


def test_float_price_fails(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: a\n" + PROV + "  prices:\n  - {input: 1.5, output: '2'}\n")
    problems = validate_dir(d)
    assert any("decimal string" in p and "models[a]" in p for p in problems), problems


def test_missing_provenance_fails(tmp_path: Path) -> None:
    d = _write(tmp_path, "- id: a\n  prices:\n  - {input: '1', output: '2'}\n")
    problems = validate_dir(d)
    assert any("provenance" in p for p in problems), problems


def test_overlapping_rules_fail(tmp_path: Path) -> None:
    models = (
        "- id: big\n  match: {regex: ['big.*']}\n"
        + PROV
        + "  prices:\n  - {input: '1', output: '1'}\n"
        "- id: big-mini\n" + PROV + "  prices:\n  - {input: '1', output: '1'}\n"
    )
    problems = validate_dir(_write(tmp_path, models))
    assert any("overlapping" in p and "big-mini" in p for p in problems), problems


def test_duplicate_alias_fails(tmp_path: Path) -> None:
    models = (
        "- id: a\n  match: {aliases: [x]}\n" + PROV + "  prices:\n  - {input: '1', output: '1'}\n"
        "- id: b\n  match: {aliases: [x]}\n" + PROV + "  prices:\n  - {input: '1', output: '1'}\n"
    )
    assert any("overlapping" in p for p in validate_dir(_write(tmp_path, models)))


@pytest.mark.parametrize(
    "history",
    [
        "  - {effective_from: '2025-02-01', input: '1', output: '1'}\n"
        "  - {effective_from: '2025-01-01', input: '2', output: '2'}\n",
        "  - {input: '1', output: '1'}\n  - {input: '2', output: '2'}\n",
    ],
)
def test_non_monotonic_history_fails(tmp_path: Path, history: str) -> None:
    d = _write(tmp_path, "- id: a\n" + PROV + "  prices:\n" + history)
    assert any("history" in p for p in validate_dir(d))


def test_bad_regex_and_wrong_file_name(tmp_path: Path) -> None:
    (tmp_path / "other.yml").write_text(
        HEAD + "- id: a\n  match: {regex: ['(']}\n" + PROV + "  prices:\n  - {input: '1'}\n",
        encoding="utf-8",
    )
    problems = validate_dir(tmp_path)
    assert any("bad regex" in p for p in problems)
    assert any("file name" in p for p in problems)
