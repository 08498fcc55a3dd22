"""CircuitBreaker state machine, driven by a controllable clock."""

from __future__ import annotations

import logging

import pytest

from mcp_llm_trace._internal.errors import lenient
from mcp_llm_trace.export.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, **kw: object) -> tuple[CircuitBreaker, list[tuple[str, str]]]:
    changes: list[tuple[str, str]] = []
    breaker = CircuitBreaker(
        "dest",
        clock=clock,
        jitter=0.0,
        on_state_change=lambda name, old, new: changes.append((old.value, new.value)),
        **kw,  # type: ignore[arg-type]
    )
    return breaker, changes


def test_opens_after_consecutive_failures_and_probes_after_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    b, changes = make(clock, failure_threshold=3, reset_timeout_s=2.0)
    with caplog.at_level(logging.WARNING, "mcp_llm_trace.export"):
        for _ in range(2):
            assert b.allow_request()
            b.record_failure()
        assert b.state is BreakerState.CLOSED
        b.record_failure()
    assert b.state is BreakerState.OPEN
    assert "OPEN" in caplog.text
    assert not b.allow_request()
    clock.now += 1.9
    assert not b.allow_request()
    clock.now += 0.2
    assert b.state is BreakerState.HALF_OPEN
    assert b.allow_request()  # the probe
    assert not b.allow_request()  # only one probe at a time
    b.record_success()
    assert b.state is BreakerState.CLOSED
    assert changes == [("closed", "open"), ("open", "half_open"), ("half_open", "closed")]


def test_failed_probe_doubles_the_open_period_up_to_the_cap() -> None:
    clock = Clock()
    b, _ = make(clock, failure_threshold=1, reset_timeout_s=1.0, max_reset_timeout_s=3.0)
    b.record_failure()
    periods = []
    for _ in range(4):
        periods.append(round(b.seconds_until_probe(), 3))
        clock.now += b.seconds_until_probe()
        assert b.allow_request()
        b.record_failure()
    assert periods == [1.0, 2.0, 3.0, 3.0]
    assert b.opened_count == 5


def test_success_resets_consecutive_count() -> None:
    clock = Clock()
    b, _ = make(clock, failure_threshold=3, min_calls=100)
    for _ in range(10):
        b.record_failure()
        b.record_failure()
        b.record_success()
    assert b.state is BreakerState.CLOSED


def test_failure_rate_over_window_opens() -> None:
    clock = Clock()
    b, _ = make(clock, failure_threshold=100, window=10, min_calls=10, failure_rate=0.5)
    for i in range(9):
        (b.record_failure if i % 2 else b.record_success)()
    assert b.state is BreakerState.CLOSED  # 9 calls < min_calls
    b.record_failure()  # 5 of 10 failed
    assert b.state is BreakerState.OPEN


def test_retry_after_opens_at_once_and_is_honoured() -> None:
    clock = Clock()
    b, _ = make(clock, failure_threshold=10, reset_timeout_s=0.5, max_reset_timeout_s=60)
    b.record_failure(retry_after_s=7.0)
    assert b.state is BreakerState.OPEN
    assert b.seconds_until_probe() == pytest.approx(7.0)
    # A hostile Retry-After is capped by max_reset_timeout_s.
    b2, _ = make(clock, reset_timeout_s=0.5, max_reset_timeout_s=5)
    b2.record_failure(retry_after_s=10**9)
    assert b2.seconds_until_probe() == pytest.approx(5.0)


def test_jitter_spreads_reset_timeouts() -> None:
    clock = Clock()
    seen = set()
    for _ in range(20):
        b = CircuitBreaker("d", failure_threshold=1, reset_timeout_s=10.0, jitter=0.2, clock=clock)
        b.record_failure()
        wait = b.seconds_until_probe()
        assert 8.0 <= wait <= 10.0  # jitter only shortens: never past the cap
        seen.add(round(wait, 6))
    assert len(seen) > 1


def test_bad_callback_does_not_break_the_breaker() -> None:
    def boom(*_: object) -> None:
        raise RuntimeError("callback bug")

    b = CircuitBreaker("d", failure_threshold=1, on_state_change=boom)
    with lenient():
        b.record_failure()
    assert b.state is BreakerState.OPEN
    assert b.stats()["state"] == "open"


def test_short_retry_after_is_the_next_probe_time_even_after_failed_probes() -> None:
    # Issue 17: Retry-After: 1 used to give "OPEN for 26s", then 70s (reset 30 s, doubled).
    clock = Clock()
    b, _ = make(clock, failure_threshold=5, reset_timeout_s=30.0)
    for _ in range(5):
        b.record_failure(retry_after_s=1.0)
        assert b.seconds_until_probe() == pytest.approx(1.0)
        clock.now += 1.0
        assert b.allow_request()
    b.record_success()
    assert b.state is BreakerState.CLOSED


def test_default_cap_bounds_every_open_period_to_a_few_seconds() -> None:
    clock = Clock()
    b, _ = make(clock, failure_threshold=1)
    b.record_failure()
    for _ in range(20):
        wait = b.seconds_until_probe()
        assert 0.0 < wait <= 5.0
        clock.now += wait
        assert b.allow_request()
        b.record_failure()


def test_a_timed_out_probe_has_already_waited_part_of_its_back_off() -> None:
    # A slow recovery: the first probes after the outage hang until the request timeout.
    clock = Clock()
    b, _ = make(clock, failure_threshold=1, reset_timeout_s=1.0, max_reset_timeout_s=5.0)
    b.record_failure()  # opens for 1 s
    clock.now += 1.0
    assert b.allow_request()
    b.record_failure(elapsed_s=1.5)  # probe timed out after 1.5 s: base 2 s − 1.5 s
    assert b.seconds_until_probe() == pytest.approx(0.5)
    clock.now += 0.5
    assert b.allow_request()
    b.record_failure(elapsed_s=10.0)  # longer than the whole back-off: a tenth remains
    assert b.seconds_until_probe() == pytest.approx(0.4)


def test_unguided_back_off_restarts_after_retry_after_guidance() -> None:
    # 503 + Retry-After: 1 for a long time, then timeouts without a hint: probing goes
    # on at 2 s, 4 s … (not at the 5 s cap), so a slow recovery is noticed quickly.
    clock = Clock()
    b, _ = make(clock, failure_threshold=1, reset_timeout_s=1.0, max_reset_timeout_s=5.0)
    b.record_failure(retry_after_s=1.0)
    for _ in range(20):
        clock.now += b.seconds_until_probe()
        assert b.allow_request()
        b.record_failure(retry_after_s=1.0)
        assert b.seconds_until_probe() == pytest.approx(1.0)
    waits = []
    for _ in range(3):
        clock.now += b.seconds_until_probe()
        assert b.allow_request()
        b.record_failure()
        waits.append(b.seconds_until_probe())
    assert waits == pytest.approx([2.0, 4.0, 5.0])


def test_wait_for_probe_only_waits_within_the_deadline() -> None:
    b = CircuitBreaker("d", failure_threshold=1, reset_timeout_s=0.2, jitter=0.0)
    b.record_failure()
    assert not b.wait_for_probe(0.05)  # due in 0.2 s: past a 0.05 s deadline
    assert b.wait_for_probe(1.0)  # sleeps ~0.2 s
    assert b.allow_request()
