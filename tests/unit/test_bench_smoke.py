"""Smoke test of the performance suite: every case runs with a tiny op count.

Asserts the result structure only, never timings (those belong in docs/performance.md).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from tests.benchmarks import cases_export, cases_system, run
from tests.benchmarks.harness import run_group

TINY = 0.001


def _check_stat(d: dict[str, Any]) -> None:
    assert set(d) >= {"median", "q1", "q3", "iqr", "samples"}
    assert d["q1"] <= d["median"] <= d["q3"]


@pytest.mark.parametrize("key", [k for k in run.groups() if k != "mcp"])
def test_every_timing_group_runs(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases_export, "BATCH", 4)  # spans per export-thread op
    group = run.groups()[key]()
    assert group is not None
    result = run_group(group, scale=TINY, repeats=2)
    assert result["baseline"] == group.baseline.key
    assert set(result["variants"]) == {group.baseline.key, *(v.key for v in group.variants)}
    for entry in result["variants"].values():
        _check_stat(entry["wall_ns_per_unit"])
        _check_stat(entry["cpu_ns_per_unit"])
        assert entry["wall_ns_per_unit"]["median"] > 0
        assert len(entry["ratio_wall"]["samples"]) == 2
    base = result["variants"][group.baseline.key]
    assert math.isclose(base["ratio_wall"]["median"], 1.0)


def test_mcp_group_is_a_group_or_skipped() -> None:
    group = run.groups()["mcp"]()
    if group is not None:
        assert run_group(group, scale=TINY, repeats=1)["variants"]


def test_cpu_overhead_reports_every_variant() -> None:
    result = cases_system.cpu_overhead(scale=TINY, repeats=1)
    assert {"baseline", "trace_operation", "llm_default", "llm_full"} <= set(result["variants"])
    for v in result["variants"].values():
        _check_stat(v["overhead_pct"])


def test_memory_worker_measures_rss() -> None:
    base = cases_system._worker("baseline", 20, 0.0)
    assert base.get("rss_mb", 0) > 0, base
    dead = cases_system._worker("dead_exporter", 200, 0.0)
    assert len(dead["samples"]) == 10, dead
    assert dead["growth_second_half_mb"] == pytest.approx(
        dead["samples"][-1]["rss_mb"] - dead["samples"][4]["rss_mb"]
    )


def test_targets_and_doc_render_from_results(tmp_path: Any) -> None:
    from tests.benchmarks.doc import write_doc

    results = run.run(["disabled"], scale=TINY, repeats=1)
    names = [t["target"] for t in results["targets"]]
    assert any("disabled llm_span" in n for n in names)
    doc = tmp_path / "performance.md"
    write_doc(results, doc, "img/performance.png")
    text = doc.read_text()
    assert results["machine"]["cpu"] in text
    assert "Telemetry disabled" in text


def test_sustained_load_reports_drops_and_export_cpu() -> None:
    result = cases_system.sustained(scale=TINY, rate=200.0)
    assert result["spans_sent"] >= 150
    assert result["exported"] + result["dropped_total"] >= result["spans_sent"]
    assert result["dropped_total"] == sum(result["dropped"].values())
    assert result["export_thread_cpu_s"] is None or result["export_thread_cpu_s"] > 0


def test_external_corpus_scrub_case_reports_findings() -> None:
    result = run_group(cases_export.scrub_external_group(), scale=TINY, repeats=1)
    for key in ("scrub_default", "scrub_regex"):
        rep = result["variants"][key]["report"]
        assert rep["records_scanned"] > 0
        assert rep["kb_scanned"] > 0
        assert sum(rep["findings"].values()) > 0
        assert rep["findings_per_kb"] == pytest.approx(
            sum(rep["findings"].values()) / rep["kb_scanned"]
        )
