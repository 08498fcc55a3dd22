"""Safe ``pricing import`` (issue 15): filters, per-key merge, validation before any write,
overlay files, the reviewer's diff, and the floating-alias lint."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mcp_llm_trace.cli import main
from mcp_llm_trace.pricing import shipped_pricing_dir
from mcp_llm_trace.pricing.aliases import AliasTarget, lint_aliases, load_aliases
from mcp_llm_trace.pricing.compute import (
    compute_cost,
    get_price_table,
    reset_price_table,
    use_price_files,
)
from mcp_llm_trace.pricing.importer import litellm_ref, load_litellm
from mcp_llm_trace.pricing.merge import (
    condition_of,
    in_force,
    load_docs,
    merge_model_prices,
    same_price,
)
from mcp_llm_trace.pricing.model import PRICE_KEYS, Usage
from mcp_llm_trace.pricing.report import plan_lines, print_plan
from mcp_llm_trace.pricing.update import (
    UpdatePlan,
    plan_update,
    table_from_dir,
    validate_plan,
    write_in_place,
)
from mcp_llm_trace.pricing.validate import validate_dir

DATA = Path(__file__).resolve().parents[1] / "data"
SNAPSHOT = DATA / "litellm_prices_1.106.12.json"
DAY = date(2026, 12, 7)


def _shipped() -> Path:
    shipped = shipped_pricing_dir()
    assert shipped is not None
    return shipped


def _digest(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def _litellm(tmp_path: Path, entries: Mapping[str, Mapping[str, Any]]) -> Path:
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps({"sample_spec": {"mode": "chat"}, **entries}), encoding="utf-8")
    return path


def _chat(provider: str, inp: float, out: float, **extra: Any) -> dict[str, Any]:
    return {
        "litellm_provider": provider,
        "mode": "chat",
        "input_cost_per_token": inp,
        "output_cost_per_token": out,
        **extra,
    }


def _plan(directory: Path, source: Path, **kw: Any) -> UpdatePlan:
    data = load_litellm(source, DAY)
    aliases = load_aliases(directory / "aliases.yaml")
    return plan_update(
        load_docs(directory),
        data.docs,
        table=table_from_dir(directory),
        day=DAY,
        skipped=data.skipped,
        aliases=aliases,
        **kw,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A temporary copy of the shipped price directory."""
    target = tmp_path / "pricing"
    shutil.copytree(_shipped(), target)
    return target


# ---------------------------------------------------------------- source filters


def test_litellm_keeps_chat_models_only_and_skips_region_keys(tmp_path: Path) -> None:
    src = _litellm(
        tmp_path,
        {
            "gpt-4o": _chat("openai", 2.5e-6, 1e-5),
            "o3-responses": {**_chat("openai", 2e-6, 8e-6), "mode": "responses"},
            "text-embedding-3-small": {**_chat("openai", 2e-8, 0), "mode": "embedding"},
            "dall-e-3": {**_chat("openai", 1e-6, 1e-6), "mode": "image_generation"},
            "whisper-1": {**_chat("openai", 1e-6, 1e-6), "mode": "audio_transcription"},
            "cohere/rerank-v3.5": {**_chat("cohere_chat", 1e-6, 0), "mode": "rerank"},
            "omni-moderation-latest": {**_chat("openai", 0, 0), "mode": "moderation"},
            "gpt-3.5-turbo-instruct": {**_chat("openai", 1.5e-6, 2e-6), "mode": "completion"},
            "bedrock/us-east-1/anthropic.claude-v2:1": _chat("bedrock", 8e-6, 2.4e-5),
            "bedrock/*/1-month-commitment/cohere.command-text-v14": _chat("bedrock", 1e-6, 1e-6),
            "bedrock/invoke/anthropic.claude-3-5-sonnet-20240620-v1:0": _chat(
                "bedrock", 3e-6, 1e-5
            ),
            "vertex_ai/us-central1/gemini-x": _chat("vertex_ai-language-models", 1e-6, 1e-6),
            "us.anthropic.claude-3-5-haiku-20241022-v1:0": _chat("bedrock", 8e-7, 4e-6),
            "groq/meta-llama/llama-4-scout-17b-16e-instruct": _chat("groq", 1.1e-7, 3.4e-7),
            "together_ai/some-model": _chat("together_ai", 1e-6, 1e-6),
        },
    )
    data = load_litellm(src, DAY)
    names = {(pid, m["id"]) for pid, doc in data.docs.items() for m in doc["models"]}
    assert names == {
        ("openai", "gpt-4o"),
        ("openai", "o3-responses"),
        ("bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("groq", "meta-llama/llama-4-scout-17b-16e-instruct"),
    }
    assert sorted(data.skipped["region/deployment key"]) == [
        "bedrock/*/1-month-commitment/cohere.command-text-v14",
        "bedrock/invoke/anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock/us-east-1/anthropic.claude-v2:1",
        "vertex_ai/us-central1/gemini-x",
    ]
    for mode in ("embedding", "image_generation", "audio_transcription", "rerank", "moderation"):
        assert data.skipped[f"mode {mode!r}"], mode
    assert data.skipped["provider not shipped"] == ["together_ai/some-model"]
    gpt = data.docs["openai"]["models"][0]
    assert gpt["prices"] == [{"input": "2.5", "output": "10"}]


def test_litellm_ref() -> None:
    assert litellm_ref("gemini/gemini-2.5-pro", "gemini", "google") == "gemini-2.5-pro"
    assert litellm_ref("bedrock/us-gov-west-1/x", "bedrock", "bedrock") is None
    assert litellm_ref("bedrock_converse/us.x", "bedrock_converse", "bedrock") == "us.x"
    assert litellm_ref("groq/openai/gpt-oss-20b", "groq", "groq") == "openai/gpt-oss-20b"


# ---------------------------------------------------------------- per-key merge


TIERED = {"base": "3", "tiers": [{"above": 200000, "price": "6"}]}


def test_merge_keeps_tiers_when_the_source_is_flat() -> None:
    ours = [{"input": TIERED, "output": "15"}]
    same = merge_model_prices("a", "m", ours, [{"input": "3", "output": "15"}], day=DAY)
    assert same.prices is None
    assert not same.changes
    assert not same.held
    cheaper = merge_model_prices("a", "m", ours, [{"input": "2", "output": "15"}], day=DAY)
    assert cheaper.prices is None  # new tier prices are never guessed
    assert [(h.key, h.ours, h.theirs) for h in cheaper.held] == [("input", "3[>200000:6]", "2")]


def test_merge_appends_a_dated_entry_and_keeps_tiers_and_history() -> None:
    ours = [{"input": TIERED, "output": "15"}]
    theirs = [{"input": "3", "output": "12", "cache_read": "0.3"}]
    result = merge_model_prices("a", "m", ours, theirs, day=DAY)
    assert result.prices == [
        {"input": TIERED, "output": "15"},
        {"effective_from": "2026-12-07", "input": TIERED, "output": "12", "cache_read": "0.3"},
    ]
    assert [(c.key, c.old, c.new) for c in result.changes] == [
        ("output", "15", "12"),
        ("cache_read", None, "0.3"),
    ]


def test_merge_unions_tiers_and_treats_close_thresholds_as_one() -> None:
    ours = [{"input": {"base": "2", "tiers": [{"above": 199999, "price": "4"}]}}]
    theirs = [{"input": {"base": "2", "tiers": [{"above": 200000, "price": "4"}]}}]
    assert merge_model_prices("x", "m", ours, theirs, day=DAY).prices is None
    more = [
        {
            "input": {
                "base": "2",
                "tiers": [{"above": 200000, "price": "4"}, {"above": 1000000, "price": "8"}],
            }
        }
    ]
    result = merge_model_prices("x", "m", ours, more, day=DAY)
    assert result.prices is not None
    assert result.prices[-1]["input"]["tiers"] == [
        {"above": 199999, "price": "4"},
        {"above": 1000000, "price": "8"},
    ]


WINDOWED = [
    {"input": "0.15", "output": "0.6"},  # off-peak (the unconditional entry)
    {"hours_utc": {"start": "01:00", "end": "04:00"}, "input": "0.3", "output": "1.2"},
]


def test_merge_never_drops_time_windows() -> None:
    # The source quotes the peak price (a window's): nothing to change.
    peak = merge_model_prices("d", "v4", WINDOWED, [{"input": "0.3", "output": "1.2"}], day=DAY)
    assert peak.prices is None
    assert not peak.held
    # A price matching no window cannot be placed: held, nothing written.
    odd = merge_model_prices("d", "v4", WINDOWED, [{"input": "0.4", "output": "1.2"}], day=DAY)
    assert odd.prices is None
    assert [h.key for h in odd.held] == ["input"]
    # A new key with no window: the model has windows, so it is held too.
    new = merge_model_prices(
        "d", "v4", WINDOWED, [{"input": "0.3", "output": "1.2", "reasoning": "2"}], day=DAY
    )
    assert [h.key for h in new.held] == ["reasoning"]


def test_merge_re_emits_windows_after_a_new_base_entry() -> None:
    ours = [
        {"input": "1", "output": "2"},
        {"hours_utc": {"start": "16:30", "end": "00:30"}, "input": "0.5", "output": "1"},
    ]
    theirs = [
        {"input": "1.2", "output": "2"},
        {"hours_utc": {"start": "16:30", "end": "00:30"}, "input": "0.5", "output": "1"},
    ]
    result = merge_model_prices("d", "chat", ours, theirs, day=DAY)
    assert result.prices is not None
    assert result.prices[:2] == ours  # history untouched
    new_base, window = result.prices[2:]
    assert new_base == {"effective_from": "2026-12-07", "input": "1.2", "output": "2"}
    assert condition_of(window) == {"hours_utc": {"start": "16:30", "end": "00:30"}}
    assert window["effective_from"] == "2026-12-07"
    assert (window["input"], window["output"]) == ("0.5", "1")
    base, windows = in_force(result.prices, DAY + timedelta(days=1))
    assert (base, windows) == (2, [3])


def test_merge_inserts_before_future_entries_and_never_overwrites_a_date() -> None:
    ours = [{"input": "1"}, {"effective_from": "2027-01-01", "input": "3"}]
    result = merge_model_prices("g", "m", ours, [{"input": "2"}], day=DAY)
    assert result.prices == [
        {"input": "1"},
        {"effective_from": "2026-12-07", "input": "2"},
        {"effective_from": "2027-01-01", "input": "3"},
    ]
    dated = [{"input": "1"}, {"effective_from": "2026-12-07", "input": "1.5"}]
    clash = merge_model_prices("g", "m", dated, [{"input": "2"}], day=DAY)
    assert clash.prices is None
    assert "exists; not overwritten" in clash.held[0].reason
    explicit = merge_model_prices(
        "g", "m", ours, [{"input": "2"}], day=DAY, effective_from=date(2026, 12, 1)
    )
    assert explicit.prices is not None
    assert explicit.prices[1]["effective_from"] == "2026-12-01"


def test_same_price_compares_decimals() -> None:
    assert same_price("0.10", "0.1")
    assert same_price({"base": "3.0", "tiers": [{"above": 200000, "price": "6.00"}]}, TIERED)
    assert not same_price({"base": "3", "tiers": [{"above": 1, "price": "6"}]}, TIERED)
    assert not same_price("1", None)


# ---------------------------------------------------------------- the pinned snapshot


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, UpdatePlan]:
    """The pinned LiteLLM snapshot imported in place into a copy of the shipped table."""
    work = tmp_path_factory.mktemp("pinned") / "pricing"
    shutil.copytree(_shipped(), work)
    plan = _plan(work, SNAPSHOT)
    result, written = write_in_place(plan, work)
    assert result.ok, result.problems
    assert written
    return work, plan


def _subsequence(old: list[Any], new: list[Any]) -> bool:
    it = iter(new)
    return all(any(e == x for x in it) for e in old)


def test_pinned_import_validates_clean_and_keeps_every_tier_and_window(
    pinned: tuple[Path, UpdatePlan],
) -> None:
    work, plan = pinned
    assert validate_dir(work) == []
    before, after = load_docs(_shipped()), load_docs(work)
    tiers_checked = windows_checked = 0
    for pid, doc in before.items():
        new_models = {m["id"]: m for m in after[pid]["models"]}
        for model in doc["models"]:
            new = new_models[model["id"]]
            assert _subsequence(model["prices"], new["prices"]), f"{pid}/{model['id']}"
            for when in (DAY, DAY + timedelta(days=1)):
                ob, ow = in_force(model["prices"], when)
                nb, nw = in_force(new["prices"], when)
                assert ob is not None
                assert nb is not None
                for key in PRICE_KEYS:
                    old_v, new_v = model["prices"][ob].get(key), new["prices"][nb].get(key)
                    if isinstance(old_v, dict):
                        assert isinstance(new_v, dict), f"{pid}/{model['id']} {key}"
                        kept = {t["above"]: Decimal(t["price"]) for t in new_v["tiers"]}
                        for tier in old_v["tiers"]:
                            assert kept.get(tier["above"]) == Decimal(tier["price"])
                            tiers_checked += 1
                old_w = [model["prices"][i] for i in ow]
                new_w = [
                    {k: v for k, v in new["prices"][i].items() if k != "effective_from"} for i in nw
                ]
                for window in old_w:
                    plain = {k: v for k, v in window.items() if k != "effective_from"}
                    assert plain in new_w, f"{pid}/{model['id']} lost {condition_of(window)}"
                    windows_checked += 1
    assert tiers_checked > 0
    assert windows_checked > 0
    summary = plan.summary()
    print(f"\npinned LiteLLM import: {summary}")  # the Done-when figures (pytest -s)
    assert summary["models_changed"] + summary["models_added"] > 0


def test_pinned_import_keeps_the_issue_examples(pinned: tuple[Path, UpdatePlan]) -> None:
    work, _ = pinned
    before, after = table_from_dir(_shipped()), table_from_dir(work)
    at = datetime(2026, 12, 8, tzinfo=timezone.utc)
    cases = [
        ("claude-sonnet-4-5", "anthropic", Usage(300_000, 2_000), at.replace(hour=12)),
        ("deepseek-v4-flash", "deepseek", Usage(1_000_000, 1_000), at.replace(hour=12)),
        ("deepseek-v4-flash", "deepseek", Usage(1_000_000, 1_000), at.replace(hour=2)),
    ]
    for model, provider, usage, when in cases:
        old = compute_cost(model, provider, usage, when, table=before)
        new = compute_cost(model, provider, usage, when, table=after)
        assert old.priced
        assert new.total == old.total, (model, when)


def test_pinned_import_adds_no_duplicates_or_region_keys(
    pinned: tuple[Path, UpdatePlan],
) -> None:
    _, plan = pinned
    before = table_from_dir(_shipped())
    for added in plan.added:
        for name in (added.model, *added.aliases):
            assert "/" not in name or added.provider == "groq", name
            hit = before.find(name, added.provider)
            # A name already priced by the provider itself must update, not duplicate.
            assert hit is None or hit.provider != added.provider, (added.provider, name)
    assert plan.skipped["region/deployment key"]


# ---------------------------------------------------------------- failure writes nothing


def test_invalid_import_writes_nothing(
    work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _litellm(
        tmp_path,
        {
            "gpt-4o-mini": _chat("openai", 2e-7, 7e-7),
            "brand-new-model": _chat("openai", -1e-6, 1e-6),  # negative: schema error
        },
    )
    before = _digest(work)
    overlay = tmp_path / "overlay.yml"
    base = ["pricing", "import", "--from", "litellm", "--file", str(src), "--dir", str(work)]
    assert main([*base, "--in-place", "--plain"]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert main([*base, "--output", str(overlay), "--plain"]) == 1
    assert "nothing written" in capsys.readouterr().err
    assert main([*base, "--dry-run", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert any("brand-new-model" in p for p in report["problems"])
    assert report["written"] == []
    assert _digest(work) == before
    assert not overlay.exists()
    assert not list(work.glob(".*"))  # no temporary file left behind


def test_in_place_rewrites_only_changed_providers(work: Path, tmp_path: Path) -> None:
    src = _litellm(tmp_path, {"gpt-4o-mini": _chat("openai", 2e-7, 6e-7)})
    before = _digest(work)
    plan = _plan(work, src)
    result, written = write_in_place(plan, work)
    assert result.ok
    assert [p.name for p in written] == ["openai.yml"]
    after = _digest(work)
    assert {n for n in before if before[n] != after[n]} == {"openai.yml"}


# ---------------------------------------------------------------- dry run


def _review_source(tmp_path: Path) -> Path:
    return _litellm(
        tmp_path,
        {
            "gpt-4o-mini": _chat("openai", 2e-7, 6e-7, cache_read_input_token_cost=7.5e-8),
            "claude-sonnet-4-5": _chat("anthropic", 2.5e-6, 1.5e-5),
            "xai/grok-brand-new": _chat("xai", 1e-6, 4e-6),
            "grok-brand-new-0901": _chat("xai", 1e-6, 4e-6),
        },
    )


def test_dry_run_plain_diff(work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _review_source(tmp_path)
    before = _digest(work)
    argv = ["pricing", "import", "--from", "litellm", "--file", str(src), "--dir", str(work)]
    assert main([*argv, "--dry-run", "--plain", "--effective-from", "2026-12-10"]) == 0
    captured = capsys.readouterr()
    out = captured.out.splitlines()
    assert "~ openai/gpt-4o-mini input: 0.15 -> 0.2 (+33.3%) from 2026-12-10" in out
    assert "~ openai/gpt-4o-mini output: 0.6 -> 0.6" not in captured.out
    assert any(line.startswith("+ xai/grok-brand-new (= grok-brand-new-0901):") for line in out)
    held = [line for line in out if line.startswith("! anthropic/claude-sonnet-4-5 input")]
    assert held
    assert "tiered here, flat in the source" in held[0]
    assert "1 model(s) changed" in captured.err
    assert "1 added" in captured.err
    assert _digest(work) == before


def test_dry_run_rich_table(work: Path, tmp_path: Path) -> None:
    pytest.importorskip("rich")
    import io

    plan = _plan(work, _review_source(tmp_path))
    buf = io.StringIO()
    print_plan(plan, file=buf)
    text = buf.getvalue()
    for needle in (
        "Price changes",
        "openai/gpt-4o-mini",
        "0.15",
        "+33.3%",
        "2026-12-07",
        "New models",
        "xai/grok-brand-new",
        "Held for review",
        "anthropic/claude-sonnet-4-5",
    ):
        assert needle in text, needle
    assert "┃" in text or "|" in text  # a table, not the plain lines
    assert plan_lines(plan)[0].startswith("~ openai/gpt-4o-mini")


# ---------------------------------------------------------------- overlay + config


@pytest.fixture
def fresh_table() -> Iterator[None]:
    reset_price_table()
    yield
    reset_price_table()


def test_overlay_loads_through_pricing_files(
    work: Path, tmp_path: Path, fresh_table: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_llm_trace.config import load_config

    src = _review_source(tmp_path)
    overlay = tmp_path / "overlay.yml"
    before = _digest(work)
    argv = ["pricing", "import", "--from", "litellm", "--file", str(src), "--dir", str(work)]
    assert main([*argv, "--output", str(overlay), "--plain"]) == 0
    assert f"pricing.files: [{overlay}]" in capsys.readouterr().err
    assert _digest(work) == before  # the default never touches the table
    text = overlay.read_text(encoding="utf-8")
    assert text.count("\nprovider: ") + text.startswith("provider: ") == 2  # openai, xai
    docs = load_docs(overlay)
    assert sorted(docs) == ["openai", "xai"]
    assert [m["id"] for m in docs["openai"]["models"]] == ["gpt-4o-mini"]

    config = tmp_path / "telemetry.yaml"
    config.write_text(f"pricing:\n  files: [{overlay}]\n", encoding="utf-8")
    cfg = load_config(config, environ={})
    assert cfg.pricing.files == (str(overlay),)
    later = datetime(2026, 12, 20, 12, tzinfo=timezone.utc)
    usage = Usage(1_000_000, 1_000_000)
    shipped = compute_cost("gpt-4o-mini", "openai", usage, later)
    use_price_files(cfg.pricing.files)
    layered = compute_cost("gpt-4o-mini", "openai", usage, later)
    assert (shipped.total, layered.total) == (Decimal("0.75"), Decimal("0.80"))
    early = compute_cost("gpt-4o-mini", "openai", usage, datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert early.total == shipped.total  # history kept in the overlay
    assert compute_cost("grok-brand-new-0901", "xai", usage, later).total == Decimal(5)
    assert compute_cost("gpt-4o", "openai", usage).priced  # untouched models still priced
    assert get_price_table().version.endswith("+u1")


def test_validation_checks_the_overlay_resolves_like_the_table(work: Path, tmp_path: Path) -> None:
    plan = _plan(work, _review_source(tmp_path))
    result = validate_plan(plan, work)
    assert result.ok, result.problems
    assert result.pre_existing == []


# ---------------------------------------------------------------- floating aliases


ACME = """provider: acme
currency: USD
source: {name: test}
models:
- id: acme-large
  match: {aliases: [acme-large-2411, acme-large-latest]}
  provenance: {source: test, url: https://example.com, checked: '2026-12-01'}
  prices:
  - {input: '2', output: '6'}
- id: acme-large-2512
  provenance: {source: test, url: https://example.com, checked: '2026-12-01'}
  prices:
  - {input: '0.5', output: '1.5'}
- id: acme-small
  match: {aliases: [acme-small-latest]}
  provenance: {source: test, url: https://example.com, checked: '2026-12-01'}
  prices:
  - {input: '0.1', output: '0.3'}
"""
ACME_ALIASES = """aliases:
- provider: acme
  alias: acme-large-latest
  target: acme-large-2512
  evidence: vendor-docs
  source_url: https://example.com/models
"""


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    d = tmp_path / "acme"
    d.mkdir()
    shutil.copy(_shipped() / "schema.json", d / "schema.json")
    (d / "acme.yml").write_text(ACME, encoding="utf-8")
    (d / "aliases.yaml").write_text(ACME_ALIASES, encoding="utf-8")
    return d


def test_lint_flags_a_latest_alias_priced_unlike_its_target(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = lint_aliases(table_from_dir(acme), load_aliases(acme / "aliases.yaml"))
    errors = [f for f in findings if f.level == "error"]
    assert len(errors) == 1
    assert errors[0].name == "acme-large-latest"
    assert "input 2 vs 0.5" in errors[0].message
    assert "output 6 vs 1.5" in errors[0].message
    warnings = [f for f in findings if f.level == "warning"]
    assert [(w.provider, w.name) for w in warnings] == [("acme", "acme-small-latest")]
    assert main(["pricing", "lint", "--dir", str(acme)]) == 1
    assert "error: acme/acme-large-latest" in capsys.readouterr().out
    # Fix the data: the alias moves to the model it points to.
    fixed = ACME.replace("[acme-large-2411, acme-large-latest]", "[acme-large-2411]").replace(
        "- id: acme-large-2512\n",
        "- id: acme-large-2512\n  match: {aliases: [acme-large-latest]}\n",
    )
    (acme / "acme.yml").write_text(fixed, encoding="utf-8")
    assert main(["pricing", "lint", "--dir", str(acme)]) == 0
    assert main(["pricing", "lint", "--dir", str(acme), "--strict"]) == 1  # the warning


def test_lint_reports_unpriced_targets_and_bad_items(acme: Path, tmp_path: Path) -> None:
    table = table_from_dir(acme)
    gone = AliasTarget("acme", "acme-large-latest", "acme-xl-9999", "https://example.com")
    (finding,) = [f for f in lint_aliases(table, [gone]) if f.level == "error"]
    assert "target acme-xl-9999 is not priced" in finding.message
    bad = tmp_path / "bad.yaml"
    bad.write_text("aliases:\n- {provider: acme, alias: x-latest, target: x}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source_url"):
        load_aliases(bad)


def test_shipped_aliases_file_is_complete() -> None:
    items = load_aliases(_shipped() / "aliases.yaml")
    assert items
    table = table_from_dir(_shipped())
    findings = lint_aliases(table, items)
    unpriced = [f for f in findings if "not priced" in f.message]
    assert unpriced == []
    assert not [f for f in findings if f.level == "warning"]  # every floating name documented


def _source_model(mid: str, **prices: str) -> dict[str, Any]:
    prov = {"source": "test source", "url": "https://example.com", "checked": "2026-12-07"}
    return {"id": mid, "match": {}, "provenance": prov, "prices": [prices]}


def test_import_applies_a_floating_price_to_its_documented_target(acme: Path) -> None:
    source = {
        "acme": {
            "provider": "acme",
            "models": [
                _source_model("acme-large-latest", input="0.6", output="1.5"),
                _source_model("acme-small-latest", input="0.2", output="0.3"),
            ],
        }
    }
    plan = plan_update(
        load_docs(acme),
        source,
        table=table_from_dir(acme),
        day=DAY,
        aliases=load_aliases(acme / "aliases.yaml"),
    )
    changed = {(c.model, c.key): (c.old, c.new) for c in plan.changes}
    assert changed == {("acme-large-2512", "input"): ("0.5", "0.6")}  # not acme-large
    (held,) = plan.held
    assert held.model == "acme-small-latest"
    assert "document its target in aliases.yaml" in held.reason
