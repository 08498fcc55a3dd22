"""Timing machinery: interleaved repeats, fresh state per repeat, median + IQR.

A *variant* is something to time: ``setup()`` builds a fresh state and returns a
:class:`Prepared` (the operation, an untimed ``between`` hook such as a flush, and a
teardown). A *group* is a baseline variant plus the variants compared with it. For each
repeat the variants of a group are run one after the other (baseline first), so a load
spike on this shared machine hits all of them alike and the per-repeat ratios stay
comparable; the reported ratio is the median of those paired ratios.

Two clocks per repeat: ``perf_counter_ns`` (wall time per op, what callers feel) and
``thread_time_ns`` (CPU of the calling thread only — insensitive to other processes and
to our export thread, which is what "caller-thread cost" means).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

REPEATS = 5


@dataclass
class Prepared:
    """A ready-to-time state: ``op()`` is timed ``n`` times; ``between()`` runs untimed
    after each timed block (flush queued spans); ``teardown()`` at the end."""

    op: Callable[[], Any]
    between: Callable[[], Any] = lambda: None
    teardown: Callable[[], Any] = lambda: None
    #: Units of work per op (bytes, spans) for throughput figures; 1 = per op.
    units_per_op: float = 1.0
    #: Optional facts about the work done (e.g. findings counts), read untimed after the
    #: last repeat and stored with the variant as ``report``. Never a timing.
    report: Callable[[], dict[str, Any]] | None = None


@dataclass
class Variant:
    """One thing to time. ``ops`` is the op count per repeat at scale 1."""

    key: str
    label: str
    setup: Callable[[], Prepared]
    ops: int
    warmup: int = 0
    note: str = ""


@dataclass
class Group:
    """A baseline and the variants compared with it (ratio = variant / baseline)."""

    key: str
    title: str
    section: str
    baseline: Variant
    variants: list[Variant]
    #: "time" (µs/op, lower is better) or "throughput" (units/s, higher is better).
    kind: str = "time"
    unit: str = "op"
    note: str = ""


@dataclass
class Stat:
    """Median and quartiles of a sample."""

    median: float
    q1: float
    q3: float
    samples: list[float] = field(default_factory=list)

    @property
    def iqr(self) -> float:
        """Inter-quartile range."""
        return self.q3 - self.q1

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "iqr": self.iqr,
            "samples": self.samples,
        }


def stat(samples: Sequence[float]) -> Stat:
    """Median + quartiles (inclusive method; fine for 5 samples)."""
    xs = sorted(samples)
    if len(xs) == 1:
        return Stat(xs[0], xs[0], xs[0], list(xs))
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return Stat(statistics.median(xs), q[0], q[2], list(xs))


def _time_block(p: Prepared, n: int) -> tuple[int, int]:
    op = p.op
    rng = range(n)
    gc.collect()
    c0 = time.thread_time_ns()
    t0 = time.perf_counter_ns()
    for _ in rng:
        op()
    t1 = time.perf_counter_ns()
    c1 = time.thread_time_ns()
    return t1 - t0, c1 - c0


def run_group(
    group: Group,
    *,
    scale: float = 1.0,
    repeats: int = REPEATS,
    log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Time every variant of ``group``; return its JSON result."""
    variants = [group.baseline, *group.variants]
    wall: dict[str, list[float]] = {v.key: [] for v in variants}
    cpu: dict[str, list[float]] = {v.key: [] for v in variants}
    units: dict[str, float] = {}
    reports: dict[str, dict[str, Any]] = {}
    for _ in range(repeats):
        for v in variants:
            n = max(1, int(v.ops * scale))
            p = v.setup()
            try:
                warm = max(1, int((v.warmup or max(1, v.ops // 10)) * scale))
                for _ in range(warm):
                    p.op()
                p.between()
                w, c = _time_block(p, n)
                p.between()
                if p.report is not None:
                    reports[v.key] = p.report()
            finally:
                p.teardown()
            units[v.key] = p.units_per_op
            wall[v.key].append(w / n)
            cpu[v.key].append(c / n)
        log(".")
    out_variants: dict[str, Any] = {}
    base = group.baseline.key
    for v in variants:
        per_unit_w = [x / units[v.key] for x in wall[v.key]]
        per_unit_c = [x / units[v.key] for x in cpu[v.key]]
        entry: dict[str, Any] = {
            "label": v.label,
            "note": v.note,
            "ops_per_repeat": max(1, int(v.ops * scale)),
            "units_per_op": units[v.key],
            "wall_ns_per_unit": stat(per_unit_w).as_dict(),
            "cpu_ns_per_unit": stat(per_unit_c).as_dict(),
        }
        if group.kind == "throughput":
            entry["throughput_per_s"] = stat([1e9 / x for x in per_unit_w]).as_dict()
        if v.key in reports:
            entry["report"] = reports[v.key]
        # Paired ratios per unit of work: repeat i of the variant over repeat i of the
        # baseline (a batch op and a single-span op compare per span).
        bw = [x / units[base] for x in wall[base]]
        bc = [x / units[base] for x in cpu[base]]
        rw = [a / b for a, b in zip(per_unit_w, bw, strict=False) if b > 0]
        rc = [a / b for a, b in zip(per_unit_c, bc, strict=False) if b > 0]
        entry["ratio_wall"] = stat(rw or [float("nan")]).as_dict()
        entry["ratio_cpu"] = stat(rc or [float("nan")]).as_dict()
        out_variants[v.key] = entry
    return {
        "key": group.key,
        "title": group.title,
        "section": group.section,
        "kind": group.kind,
        "unit": group.unit,
        "note": group.note,
        "baseline": base,
        "variants": out_variants,
    }
