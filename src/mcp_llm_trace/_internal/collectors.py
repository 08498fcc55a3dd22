"""The seed's named metric collectors: ``system``, ``http``, ``database``.

``system`` reports process CPU time and resident memory (psutil when installed, else
``/proc`` and ``resource``); ``http`` and ``database`` are switches read by the span
helpers (``db_span`` records ``db.client.operation.duration`` when ``database`` is on).
"""

from __future__ import annotations

import os
import resource as _resource
import time
from collections.abc import Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation

from mcp_llm_trace.config import TelemetryConfig


def enabled_collectors(cfg: TelemetryConfig) -> set[str]:
    """Names of the collectors switched on."""
    return {c.name for c in cfg.metrics.collectors if c.enabled}


def _rss_bytes() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return int(_resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss) * 1024


def install_collectors(cfg: TelemetryConfig, meter_provider: Any) -> None:
    """Create observable instruments for the enabled collectors."""
    if "system" not in enabled_collectors(cfg):
        return
    meter = meter_provider.get_meter("mcp_llm_trace.system")
    start = time.monotonic()

    def cpu(_: CallbackOptions) -> Iterable[Observation]:
        t = os.times()
        return [
            Observation(t.user, {"cpu.mode": "user"}),
            Observation(t.system, {"cpu.mode": "system"}),
        ]

    def memory(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(_rss_bytes())]

    def uptime(_: CallbackOptions) -> Iterable[Observation]:
        return [Observation(time.monotonic() - start)]

    meter.create_observable_counter(
        "process.cpu.time", [cpu], unit="s", description="Process CPU time"
    )
    meter.create_observable_up_down_counter(
        "process.memory.usage", [memory], unit="By", description="Resident memory"
    )
    meter.create_observable_gauge(
        "process.uptime", [uptime], unit="s", description="Seconds since telemetry start"
    )
