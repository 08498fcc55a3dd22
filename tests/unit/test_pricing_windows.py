"""Time windows with weekday and date-exception conditions (DeepSeek peak hours)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mcp_llm_trace.pricing import Usage, compute_cost
from mcp_llm_trace.pricing.compute import cost_for_entry
from mcp_llm_trace.pricing.model import parse_model
from mcp_llm_trace.pricing.validate import validate_files

MILLION_IN = Usage(input_tokens=1_000_000, output_tokens=0)


def _entry(*prices: dict[str, Any]) -> Any:
    raw = {
        "id": "m",
        "provenance": {"source": "test", "url": "https://example.invalid", "checked": "2026-12-01"},
        "prices": list(prices),
    }
    return parse_model("p", raw, currency="USD", source="test")


def _cost(entry: Any, when: datetime) -> Decimal:
    return cost_for_entry(entry, MILLION_IN, when).total


PEAK = {
    "hours_utc": {"start": "01:00", "end": "04:00"},
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
}


def test_weekday_window_applies_monday_to_friday_only() -> None:
    entry = _entry({"input": "1"}, {**PEAK, "input": "2"})
    tuesday, saturday = datetime(2026, 12, 1, 2), datetime(2026, 12, 5, 2)
    assert _cost(entry, tuesday) == 2
    assert _cost(entry, saturday) == 1  # weekend: off-peak all day
    assert _cost(entry, datetime(2026, 12, 1, 4)) == 1  # end is exclusive


def test_calendar_offset_reads_weekdays_in_local_time() -> None:
    # 22:00-23:00 UTC on Sunday is 06:00-07:00 on Monday in Beijing (+08:00).
    window = {"hours_utc": {"start": "22:00", "end": "23:00"}, "weekdays": ["mon"]}
    utc = _entry({"input": "1"}, {**window, "input": "2"})
    beijing = _entry({"input": "1"}, {**window, "calendar_utc_offset": "+08:00", "input": "2"})
    sunday_utc = datetime(2026, 12, 6, 22, 30, tzinfo=timezone.utc)
    assert _cost(utc, sunday_utc) == 1
    assert _cost(beijing, sunday_utc) == 2


def test_except_dates_switch_the_window_off_on_those_days() -> None:
    entry = _entry({"input": "1"}, {**PEAK, "except_dates": ["2026-10-01"], "input": "2"})
    assert _cost(entry, datetime(2026, 10, 1, 2)) == 1  # a holiday (Thursday)
    assert _cost(entry, datetime(2026, 10, 8, 2)) == 2  # the Thursday after


def test_a_window_can_start_on_a_date_and_a_later_price_change_ends_it() -> None:
    entry = _entry(
        {"input": "1"},
        {**PEAK, "effective_from": "2026-08-17", "input": "2"},
        {"effective_from": "2026-09-10", "input": "3"},
        {**PEAK, "effective_from": "2026-09-10", "input": "6"},
    )
    assert _cost(entry, datetime(2026, 8, 11, 2)) == 1  # Tuesday before the window exists
    assert _cost(entry, datetime(2026, 8, 18, 2)) == 2
    assert _cost(entry, datetime(2026, 8, 18, 12)) == 1
    assert _cost(entry, datetime(2026, 9, 15, 2)) == 6  # the later window replaces it
    assert _cost(entry, datetime(2026, 9, 15, 12)) == 3


def test_equal_start_and_end_is_the_whole_day() -> None:
    entry = _entry(
        {"input": "1"},
        {"hours_utc": {"start": "00:00", "end": "00:00"}, "weekdays": ["sat"], "input": "2"},
    )
    assert _cost(entry, datetime(2026, 12, 5, 23, 59)) == 2
    assert _cost(entry, datetime(2026, 12, 6, 0, 0)) == 1


def _validate(tmp_path: Path, entry: str) -> list[str]:
    path = tmp_path / "acme.yml"
    path.write_text(
        "provider: acme\ncurrency: USD\nsource: {name: test}\nmodels:\n"
        "- id: m\n  provenance: {source: t, url: 'https://example.invalid', checked: '2026-12-01'}\n"
        f"  prices:\n  - {{input: '1'}}\n  - {entry}\n",
        encoding="utf-8",
    )
    return validate_files([path])


def test_schema_accepts_weekday_windows_and_rejects_bad_conditions(tmp_path: Path) -> None:
    good = (
        "{hours_utc: {start: '01:00', end: '04:00'}, weekdays: [mon, fri], "
        "except_dates: ['2026-10-01'], calendar_utc_offset: '+08:00', input: '2'}"
    )
    assert _validate(tmp_path, good) == []
    assert any("weekdays" in p for p in _validate(tmp_path, "{weekdays: [monday], input: '2'}"))
    no_days = (
        "{hours_utc: {start: '01:00', end: '04:00'}, calendar_utc_offset: '+08:00', input: '2'}"
    )
    assert any("calendar_utc_offset needs" in p for p in _validate(tmp_path, no_days))


@pytest.mark.parametrize("model", ["deepseek-v4-flash", "deepseek-v4-pro"])
def test_deepseek_v4_weekend_is_off_peak_all_day(model: str) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    tuesday_peak = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
    saturday_same_hour = datetime(2026, 12, 5, 2, tzinfo=timezone.utc)
    tuesday_off_peak = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    peak = compute_cost(model, "deepseek", usage, tuesday_peak).total
    weekend = compute_cost(model, "deepseek", usage, saturday_same_hour).total
    off_peak = compute_cost(model, "deepseek", usage, tuesday_off_peak).total
    assert weekend == off_peak
    assert peak == 2 * off_peak
