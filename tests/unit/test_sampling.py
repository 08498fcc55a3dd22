"""Samplers: rate_limited budget, adaptive convergence, parentbased semantics, env mapping."""

from __future__ import annotations

import random
import time

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, TraceIdRatioBased

import mcp_llm_trace as mlt
from mcp_llm_trace.config import SamplingConfig, load_config
from mcp_llm_trace.sampling import AdaptiveSampler, RateLimitedSampler, build_sampler
from mcp_llm_trace.setup import Telemetry

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SAMPLED_PARENT = {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}
UNSAMPLED_PARENT = {"traceparent": f"00-{TRACE}-00f067aa0ba902b7-00"}


@pytest.fixture(autouse=True)
def _shutdown_after(shutdown_telemetry_after: None) -> None:
    """Every test here leaves no telemetry configured (shared fixture, conftest)."""


def _configure(**kwargs: object) -> Telemetry:
    return mlt.configure(
        force=True,
        traces_exporter="memory",
        batch_schedule_delay_s="10ms",
        metrics_exporter="none",
        **kwargs,
    )


def _names(tel: Telemetry) -> list[str]:
    tel.force_flush(5.0)
    assert tel.memory_exporter is not None
    return sorted(s.name for s in tel.memory_exporter.get_finished_spans())


def _sampled(sampler: object, trace_id: int) -> bool:
    result = sampler.should_sample(None, trace_id, "op")  # type: ignore[attr-defined]
    return bool(result.decision is Decision.RECORD_AND_SAMPLE)


# ------------------------------------------------------------------ rate_limited


def test_rate_limited_never_exceeds_budget_by_more_than_one_bucket() -> None:
    rate = 200.0
    sampler = RateLimitedSampler(rate)
    rng = random.Random(1)
    sampled = offered = 0
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < 3.0:
        offered += 1
        sampled += _sampled(sampler, rng.getrandbits(128))
    budget = rate * elapsed
    assert offered > 10 * sampled  # the loop really offered far more than the budget
    assert sampled <= budget + rate  # one bucket (one second's worth) of burst at most
    assert sampled >= 0.9 * budget  # and it does use its budget


def test_rate_limited_below_one_per_second_still_allows_a_burst_of_one() -> None:
    sampler = RateLimitedSampler(0.5)
    decisions = [_sampled(sampler, i + 1) for i in range(100)]
    assert decisions.count(True) == 1


def test_rate_limited_via_configure_children_follow_their_root() -> None:
    tel = _configure(sampling_strategy="rate_limited", sampling_max_per_second=5)
    for i in range(50):
        with mlt.create_span(f"root{i}"), mlt.create_span(f"child{i}"):
            pass
    names = _names(tel)
    roots = [n for n in names if n.startswith("root")]
    children = [n for n in names if n.startswith("child")]
    assert 1 <= len(roots) <= 6  # 5/s bucket + refill during the loop
    assert sorted(c.replace("child", "root") for c in children) == roots  # whole traces kept


# ------------------------------------------------------------------ adaptive


class FakeClock:
    """Stands in for time.monotonic in the sampling module: the offered rate is exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _drive(
    sampler: AdaptiveSampler, clock: FakeClock, rate: float, seconds: float, rng: random.Random
) -> int:
    """Offer ``rate`` root spans per (simulated) second; return how many were sampled."""
    sampled = 0
    for _ in range(int(rate * seconds)):
        clock.now += 1.0 / rate
        sampled += _sampled(sampler, rng.getrandbits(128))
    return sampled


@pytest.mark.parametrize(("target", "offered"), [(300.0, 10_000.0), (1000.0, 20_000.0)])
def test_adaptive_converges_to_target_rate(
    target: float, offered: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr("mcp_llm_trace.sampling.time.monotonic", clock)
    sampler = AdaptiveSampler(target, window_s=0.25)
    rng = random.Random(2)
    _drive(sampler, clock, offered, 2.0, rng)  # a few windows to settle
    achieved = _drive(sampler, clock, offered, 1.0, rng)
    assert abs(achieved - target) <= 0.2 * target, (achieved, sampler.ratio)
    # the load drops: it re-converges (keeps more) within a few windows
    _drive(sampler, clock, offered / 4, 2.0, rng)
    achieved = _drive(sampler, clock, offered / 4, 1.0, rng)
    assert abs(achieved - target) <= 0.2 * target, (achieved, sampler.ratio)


def test_adaptive_converges_in_real_time() -> None:
    target = 500.0
    sampler = AdaptiveSampler(target, window_s=0.2)
    rng = random.Random(3)
    start = time.monotonic()
    while time.monotonic() - start < 1.0:  # a tight loop offers far more than the target
        _sampled(sampler, rng.getrandbits(128))
    sampled = 0
    t0 = time.monotonic()
    while (elapsed := time.monotonic() - t0) < 1.0:
        sampled += _sampled(sampler, rng.getrandbits(128))
    # looser than the simulated test: a loaded CI machine changes the offered rate
    assert 0.5 * target <= sampled / elapsed <= 1.5 * target, sampler.ratio


def test_adaptive_keeps_everything_under_target() -> None:
    sampler = AdaptiveSampler(10_000.0, window_s=0.05)
    results = []
    for i in range(200):
        results.append(_sampled(sampler, (i + 1) * 7919))
        time.sleep(0.001)
    assert all(results)
    assert sampler.ratio == 1.0


def test_adaptive_respects_parent_decision() -> None:
    tel = _configure(sampling_strategy="adaptive", sampling_target_per_second=0.001)
    sampler = tel.tracer_provider.sampler  # type: ignore[attr-defined]
    assert isinstance(sampler, AdaptiveSampler)
    sampler.ratio = 0.0  # nothing new would be sampled
    with mlt.use_context(mlt.extract_context(SAMPLED_PARENT)), mlt.create_span("kept"):
        pass
    sampler.ratio = 1.0  # everything new would be sampled
    with mlt.use_context(mlt.extract_context(UNSAMPLED_PARENT)), mlt.create_span("dropped"):
        pass
    assert _names(tel) == ["kept"]


def test_invalid_sampler_arguments() -> None:
    with pytest.raises(ValueError):
        RateLimitedSampler(0)
    with pytest.raises(ValueError):
        AdaptiveSampler(-1)


# ------------------------------------------------------------------ parentbased semantics


@pytest.mark.parametrize(
    ("strategy", "ratio", "root", "under_sampled", "under_unsampled"),
    [
        ("parentbased_always_on", 1.0, True, True, False),
        ("parentbased_always_off", 1.0, False, True, False),
        ("parentbased_traceidratio", 0.0, False, True, False),
        ("parentbased_traceidratio", 1.0, True, True, False),
        ("always_on", 1.0, True, True, True),
        ("always_off", 1.0, False, False, False),
        ("traceidratio", 0.0, False, False, False),
        ("traceidratio", 1.0, True, True, True),
    ],
)
def test_parent_based_semantics(
    strategy: str, ratio: float, root: bool, under_sampled: bool, under_unsampled: bool
) -> None:
    tel = _configure(sampling_strategy=strategy, sampling_ratio=ratio)
    with mlt.create_span("root"):
        pass
    with mlt.use_context(mlt.extract_context(SAMPLED_PARENT)), mlt.create_span("remote-1"):
        pass
    with mlt.use_context(mlt.extract_context(UNSAMPLED_PARENT)), mlt.create_span("remote-0"):
        pass
    expected = [
        n
        for n, keep in (("remote-0", under_unsampled), ("remote-1", under_sampled), ("root", root))
        if keep
    ]
    assert _names(tel) == expected


# ------------------------------------------------------------------ env mapping


@pytest.mark.parametrize(
    ("env", "description"),
    [
        ({"OTEL_TRACES_SAMPLER": "always"}, "ParentBased{root:AlwaysOnSampler"),
        ({"OTEL_TRACES_SAMPLER": "never"}, "ParentBased{root:AlwaysOffSampler"),
        (
            {"OTEL_TRACES_SAMPLER": "probabilistic", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
            "ParentBased{root:TraceIdRatioBased{0.25}",
        ),
        (
            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"},
            "TraceIdRatioBased{0.5}",
        ),
        ({"OTEL_TRACES_SAMPLER": "always_off"}, "AlwaysOffSampler"),
        (
            {"OTEL_TRACES_SAMPLER": "rate_limited", "OTEL_TRACES_SAMPLER_ARG": "42"},
            "ParentBased{root:RateLimitedSampler{42.0}",
        ),
        (
            {"OTEL_TRACES_SAMPLER": "adaptive", "OTEL_TRACES_SAMPLER_ARG": "77"},
            "AdaptiveSampler{target=77.0/s",
        ),
        ({}, "ParentBased{root:AlwaysOnSampler"),
    ],
)
def test_otel_traces_sampler_env_mapping(
    env: dict[str, str], description: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    tel = mlt.configure(force=True, traces_exporter="none", metrics_exporter="none")
    assert isinstance(tel.tracer_provider, TracerProvider)
    assert tel.tracer_provider.sampler.get_description().startswith(description)


def test_build_sampler_types() -> None:
    assert isinstance(
        build_sampler(SamplingConfig("parentbased_traceidratio", ratio=0.3)), ParentBased
    )
    plain = build_sampler(SamplingConfig("traceidratio", ratio=0.3, parent_based=False))
    assert isinstance(plain, TraceIdRatioBased) and plain.rate == 0.3
    cfg = load_config(environ={"OTEL_TRACES_SAMPLER": "rate_limited"}, sampling_max_per_second=9)
    sampler = build_sampler(cfg.sampling)
    assert "RateLimitedSampler{9.0}" in sampler.get_description()


@pytest.mark.parametrize("strategy", ["rate_limited", "adaptive", "parentbased_always_on"])
def test_sampled_spans_keep_their_start_attributes(strategy: str) -> None:
    tel = _configure(sampling_strategy=strategy)
    with mlt.llm_span("gpt-4o", provider="openai"), mlt.tool_span("child"):
        pass
    tel.force_flush(5.0)
    assert tel.memory_exporter is not None
    spans = {s.name: s for s in tel.memory_exporter.get_finished_spans()}
    assert spans["chat gpt-4o"].attributes["gen_ai.request.model"] == "gpt-4o"
    assert spans["chat gpt-4o"].attributes["llm.provider"] == "openai"
    assert spans["execute_tool child"].attributes["gen_ai.tool.name"] == "child"
