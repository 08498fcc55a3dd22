"""``pricing check --against litellm`` on the pinned LiteLLM snapshot (tests/data)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mcp_llm_trace.pricing import get_price_table
from mcp_llm_trace.pricing.crosscheck import check_litellm, load_reviewed

DATA = Path(__file__).resolve().parents[1] / "data"
SNAPSHOT = DATA / "litellm_prices_1.106.12.json"
AT = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def test_snapshot_matches_its_recorded_sha256() -> None:
    meta = json.loads((DATA / "litellm_prices_1.106.12.meta.json").read_text())
    assert meta["version"] == "1.106.12"
    assert hashlib.sha256(SNAPSHOT.read_bytes()).hexdigest() == meta["subset_sha256"]


def test_check_reports_both_numbers_and_reviewed_entries_are_accepted(tmp_path: Path) -> None:
    result = check_litellm(SNAPSHOT, table=get_price_table(), at=AT)
    assert result.overlapping > 400
    assert result.disagreements, "the snapshot disagrees with the table on some models"
    first = result.disagreements[0]
    assert first.ours != first.theirs and abs(first.pct) > 1
    reviewed = tmp_path / "reviewed.yaml"
    reviewed.write_text(
        "differences:\n"
        f"  - provider: {first.provider}\n    model: {first.model}\n"
        "    reason: test\n    source_url: https://example.invalid/pricing\n"
    )
    again = check_litellm(
        SNAPSHOT, table=get_price_table(), reviewed=load_reviewed(reviewed), at=AT
    )
    accepted = [d for d in again.disagreements if d.model == first.model]
    assert accepted and all(d.reviewed for d in accepted)
    assert len(again.unreviewed) < len(result.unreviewed)


def test_reviewed_difference_needs_reason_and_url(tmp_path: Path) -> None:
    bad = tmp_path / "reviewed.yaml"
    bad.write_text("differences:\n  - provider: openai\n    model: gpt-4o\n")
    with pytest.raises(ValueError, match="reason, source_url"):
        load_reviewed(bad)


def test_cli_exits_1_on_unreviewed_difference_and_prints_both_numbers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mcp_llm_trace.cli import main

    rc = main(["pricing", "check", "--against", "litellm", str(SNAPSHOT), "--at", "2026-12-01"])
    out = capsys.readouterr()
    assert rc == 1, out.err
    assert "UNREVIEWED" in out.out and " vs theirs " in out.out
    assert "overlapping=" in out.err
