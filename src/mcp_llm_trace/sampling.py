"""Samplers: OTel's standard ones, plus ``rate_limited`` and ``adaptive``.

- :class:`RateLimitedSampler` — token bucket: at most ``max_per_second`` new traces per
  second (bursts up to one second's worth). Thread-safe.
- :class:`AdaptiveSampler` — keeps *sampled spans per second* near a target by adjusting
  a trace-id ratio once per window from the observed span rate (EWMA). Decisions are a
  pure function of the trace id and the current ratio, so every span of a trace started
  in this process gets the same decision; a sampled/unsampled parent is respected.

Both respect the parent's decision when used as the root of ``ParentBased`` (the
default for the seed's ``rate_limited``/``adaptive`` strategies).

Example::

    from mcp_llm_trace.sampling import build_sampler
    sampler = build_sampler(cfg.sampling)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from mcp_llm_trace.config import SamplingConfig

_MAX_63 = (1 << 63) - 1


def _result(
    sampled: bool, parent_context: Context | None, attributes: Attributes
) -> SamplingResult:
    """The decision, the parent's trace state, and — when sampled — the span's start
    attributes: the SDK creates the span with the *sampler's* attributes, so a sampler
    that returns none strips every attribute passed to ``start_span`` (what the SDK's
    own samplers do: pass them through)."""
    state: TraceState | None = None
    parent = get_current_span(parent_context).get_span_context()
    if parent.is_valid:
        state = parent.trace_state
    if sampled:
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, state)
    return SamplingResult(Decision.DROP, None, state)


class RateLimitedSampler(Sampler):
    """Samples at most ``max_per_second`` traces per second (token bucket)."""

    def __init__(self, max_per_second: float) -> None:
        if max_per_second <= 0:
            raise ValueError("max_per_second must be > 0")
        self.max_per_second = float(max_per_second)
        self._capacity = max(1.0, self.max_per_second)
        self._tokens = self._capacity
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Take a token if one is left."""
        now = time.monotonic()
        with self._lock:
            self._tokens = min(
                self._capacity, self._tokens + (now - self._last) * self.max_per_second
            )
            self._last = now
            sampled = self._tokens >= 1.0
            if sampled:
                self._tokens -= 1.0
        return _result(sampled, parent_context, attributes)

    def get_description(self) -> str:
        """Sampler description (OTel convention)."""
        return f"RateLimitedSampler{{{self.max_per_second}}}"


class AdaptiveSampler(Sampler):
    """Adjusts a trace-id ratio so sampled spans/s stay near ``target_per_second``.

    Every span that reaches the sampler counts toward the observed rate; child spans of
    a local parent follow the parent (so whole traces are kept), roots are sampled by
    ``trace_id`` against the current ratio.
    """

    def __init__(
        self,
        target_per_second: float,
        *,
        window_s: float = 1.0,
        min_ratio: float = 1e-4,
        smoothing: float = 0.5,
    ) -> None:
        if target_per_second <= 0:
            raise ValueError("target_per_second must be > 0")
        self.target_per_second = float(target_per_second)
        self.window_s = window_s
        self.min_ratio = min_ratio
        self.smoothing = smoothing
        self.ratio = 1.0
        self._rate: float | None = None
        self._count = 0
        self._window_start = time.monotonic()
        self._lock = threading.Lock()

    def _observe(self) -> float:
        now = time.monotonic()
        with self._lock:
            self._count += 1
            elapsed = now - self._window_start
            if elapsed >= self.window_s:
                rate = self._count / elapsed
                self._rate = (
                    rate
                    if self._rate is None
                    else self.smoothing * rate + (1 - self.smoothing) * self._rate
                )
                self.ratio = max(self.min_ratio, min(1.0, self.target_per_second / self._rate))
                self._count = 0
                self._window_start = now
            return self.ratio

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Sample roots by trace id and the current ratio."""
        ratio = self._observe()
        parent = get_current_span(parent_context).get_span_context()
        if parent.is_valid:
            return _result(parent.trace_flags.sampled, parent_context, attributes)
        bound = round(ratio * _MAX_63)
        return _result((trace_id & _MAX_63) < bound, parent_context, attributes)

    def get_description(self) -> str:
        """Sampler description (OTel convention)."""
        return f"AdaptiveSampler{{target={self.target_per_second}/s, ratio={self.ratio:.4f}}}"


def build_sampler(cfg: SamplingConfig) -> Sampler:
    """The sampler for a :class:`~mcp_llm_trace.config.SamplingConfig`."""
    strategy = cfg.strategy
    if strategy == "adaptive":
        # Parent decisions are handled inside: ParentBased would hide child spans from
        # the rate estimate.
        return AdaptiveSampler(cfg.target_per_second)
    root: Sampler
    base = strategy.removeprefix("parentbased_")
    if base == "always_on":
        root = ALWAYS_ON
    elif base == "always_off":
        root = ALWAYS_OFF
    elif base == "traceidratio":
        root = TraceIdRatioBased(cfg.ratio)
    elif base == "rate_limited":
        root = RateLimitedSampler(cfg.max_per_second)
    else:  # pragma: no cover - config parsing rejects anything else
        raise ValueError(f"unknown sampler {strategy!r}")
    if strategy.startswith("parentbased_") or strategy == "rate_limited":
        return ParentBased(root)
    return root
