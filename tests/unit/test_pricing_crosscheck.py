"""``pricing check --against litellm`` on the pinned LiteLLM snapshot (tests/data)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from mcp_llm_trace.pricing import Usage, get_price_table
from mcp_llm_trace.pricing.crosscheck import check_litellm, litellm_cost, load_reviewed
from mcp_llm_trace.pricing.table import shipped_pricing_dir

DATA = Path(__file__).resolve().parents[1] / "data"
SNAPSHOT = DATA / "litellm_prices_1.106.12.json"
AT = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
_DIR = shipped_pricing_dir()
assert _DIR is not None
REVIEWED = _DIR / "reviewed-differences.yaml"


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
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_llm_trace.cli import main

    empty = tmp_path / "none.yaml"
    empty.write_text("differences: []\n")
    args = ["pricing", "check", "--against", "litellm", str(SNAPSHOT), "--at", "2026-12-01"]
    rc = main([*args, "--reviewed", str(empty)])
    out = capsys.readouterr()
    assert rc == 1, out.err
    assert "UNREVIEWED" in out.out and " vs theirs " in out.out
    assert "overlapping=" in out.err


def test_pinned_snapshot_has_no_unreviewed_difference(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: every > 1 % difference from the pinned LiteLLM file is reviewed."""
    from mcp_llm_trace.cli import main

    rc = main(["pricing", "check", "--against", "litellm", str(SNAPSHOT), "--at", "2026-12-01"])
    out = capsys.readouterr()
    assert rc == 0, [line for line in out.out.splitlines() if line.startswith("UNREVIEWED")]
    assert "reviewed " in out.out and "unreviewed=0" in out.err


def test_shipped_reviewed_differences_are_all_still_needed() -> None:
    reviewed = load_reviewed(REVIEWED)
    result = check_litellm(SNAPSHOT, table=get_price_table(), reviewed=reviewed, at=AT)
    assert result.unreviewed == []
    assert result.stale_reviewed == []  # a fixed price must leave the file
    differing = {(d.provider, d.model.lower()) for d in result.disagreements}
    assert len(reviewed) == len(differing)


def test_snapshot_coverage_and_agreement_floors() -> None:
    """Regression floors for the issue-15 figures (measured: coverage 99.6 %, agreement
    94.2 %; the remaining differences are reviewed, most of them Bedrock's regional
    premium on bare model ids)."""
    result = check_litellm(SNAPSHOT, table=get_price_table(), at=AT)
    assert result.coverage >= 0.90
    assert result.agreement >= 0.93
    for pid, row in result.by_provider().items():
        assert row["current_priced"] >= 0.9 * row["current"], pid


def test_litellm_cost_uses_the_largest_threshold_exceeded() -> None:
    spec = {
        "litellm_provider": "openai",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 2e-06,
        "input_cost_per_token_above_128k_tokens": 2e-06,
        "input_cost_per_token_above_272k_tokens": 4e-06,
        "output_cost_per_token_above_272k_tokens": 3e-06,
    }
    assert litellm_cost(spec, Usage(100_000, 0)) == Decimal("0.1")
    assert litellm_cost(spec, Usage(200_000, 0)) == Decimal("0.4")
    assert litellm_cost(spec, Usage(300_000, 1_000_000)) == Decimal("1.2") + Decimal("3")


def test_litellm_cost_xai_threshold_is_inclusive() -> None:
    spec = {
        "litellm_provider": "xai",
        "input_cost_per_token": 1e-06,
        "output_cost_per_token": 1e-06,
        "input_cost_per_token_above_200k_tokens": 2e-06,
    }
    assert litellm_cost(spec, Usage(200_000, 0)) == Decimal("0.4")
    assert litellm_cost(spec, Usage(199_999, 0)) == Decimal("0.199999")


def test_litellm_cost_applies_off_peak_windows_by_weekday() -> None:
    spec = {
        "litellm_provider": "deepseek",
        "input_cost_per_token": 2e-06,
        "output_cost_per_token": 2e-06,
        "off_peak_pricing": {
            "input_cost_per_token": 1e-06,
            "windows": [
                {"hours_utc": ["10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
                {"hours_utc": "00:00-00:00", "weekdays": [6, 7]},
            ],
        },
    }
    usage = Usage(1_000_000, 0)
    tuesday = datetime(2026, 12, 1, tzinfo=timezone.utc)
    saturday = datetime(2026, 12, 5, tzinfo=timezone.utc)
    assert litellm_cost(spec, usage, tuesday.replace(hour=3)) == 2  # peak
    assert litellm_cost(spec, usage, tuesday.replace(hour=12)) == 1
    assert litellm_cost(spec, usage, saturday.replace(hour=3)) == 1  # weekend: all day


def test_import_holds_reviewed_differences() -> None:
    """A LiteLLM import never re-applies a price we reviewed and kept (deepseek-chat)."""
    from mcp_llm_trace.pricing.importer import from_litellm
    from mcp_llm_trace.pricing.merge import load_docs
    from mcp_llm_trace.pricing.update import plan_update

    assert _DIR is not None
    existing, source = load_docs(_DIR), from_litellm(SNAPSHOT)
    reviewed = load_reviewed(REVIEWED)
    kept = plan_update(existing, source, reviewed=reviewed)
    assert ("deepseek", "deepseek-chat") in {(h.provider, h.model) for h in kept.held}
    assert not [c for c in kept.changes if c.model == "deepseek-chat"]
    naive = plan_update(existing, source)
    assert [c for c in naive.changes if c.model == "deepseek-chat"]
