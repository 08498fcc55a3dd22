"""The backend-outage scenario of issue 17, as a user hits it: three real processes.

* a **receiver** process (``python -m tests.support.receivers http|grpc``) that the
  driver tells, at wall-clock offsets, to fail (503/429 with or without ``Retry-After``,
  gRPC UNAVAILABLE, refuse connections, hang) and to recover;
* an **app** process (``python -m tests.support.outage_scenario app``) configured only
  through the environment (``OTEL_TRACES_EXPORTER=otlp``, protocol, endpoint,
  ``MCP_LLM_TRACE_SPOOL_DIR``) that emits ``count`` ``create_span`` spans at ``rate``
  spans/s (attribute ``seq`` = 0, 1, …), keeps running ``tail_s`` after the outage and
  then calls ``Telemetry.shutdown()``; it reports each span's creation latency and
  ``Telemetry.stats()``;
* optionally a **CPU-bound neighbour** (``while True: pass``) competing for the cores.

:func:`run_scenario` returns a :class:`ScenarioResult` with what arrived (missing and
duplicated sequence numbers), when the backlog was cleared relative to the recovery,
and the caller's p99 span-creation latency before and during the outage.
``python -m tests.support.outage_scenario soak`` runs the long version (``make soak``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


@dataclass
class ScenarioResult:
    """What one run of the scenario measured."""

    protocol: str
    fault: str
    count: int
    outage_s: float
    busy: bool
    received_unique: int = 0
    missing: list[int] = field(default_factory=list)
    duplicates: int = 0
    #: seconds from the receiver's recovery until every span created before it arrived
    backlog_cleared_s: float | None = None
    #: seconds from recovery until the last span arrived (all spans)
    all_delivered_s: float | None = None
    p99_before_us: float = 0.0
    p99_during_us: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)
    shutdown_s: float = 0.0
    app_log_tail: str = ""

    @property
    def duplicate_ratio(self) -> float:
        """Duplicates as a fraction of the spans sent."""
        return self.duplicates / max(1, self.count)

    def summary(self) -> str:
        """One line for logs and the soak table."""
        cleared = "never" if self.backlog_cleared_s is None else f"{self.backlog_cleared_s:.1f}s"
        return (
            f"{self.protocol:4} {self.fault:14} busy={int(self.busy)} "
            f"delivered={self.received_unique}/{self.count} dup={self.duplicates} "
            f"backlog_cleared={cleared} p99 before={self.p99_before_us:.0f}us "
            f"during={self.p99_during_us:.0f}us shutdown={self.shutdown_s:.2f}s "
            f"spooled={self.stats.get('spooled')} replayed={self.stats.get('replayed')} "
            f"dropped={self.stats.get('dropped')}"
        )


# Fault name → receiver command that starts the outage.
FAULTS: dict[str, dict[str, Any]] = {
    "503_ra1": {"op": "fail", "status": 503, "retry_after": 1},
    "503_ra_date": {"op": "fail", "status": 503, "retry_after": 1, "retry_after_form": "date"},
    "503": {"op": "fail", "status": 503},
    "429_ra1": {"op": "fail", "status": 429, "retry_after": 1},
    "429": {"op": "fail", "status": 429},
    "refused": {"op": "stop"},
    "hang": {"op": "fail", "hang_s": 3600},
    "unavailable": {"op": "fail", "status": 503, "retry_after": 1},
    "exhausted": {"op": "fail", "status": 429, "retry_after": 1},
}


class _Receiver:
    def __init__(self, protocol: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.receivers", protocol],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        self._lock = threading.Lock()
        self.port = int(self._read()["port"])

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("receiver process died")
        out: dict[str, Any] = json.loads(line)
        return out

    def send(self, cmd: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
            out = self._read()
            if cmd["op"] == "dump":
                self._read()  # the ack
            return out

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, ValueError):
            self.send({"op": "quit"})
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def _p99(samples: list[float]) -> float:
    if len(samples) < 3:
        return max(samples, default=0.0)
    return statistics.quantiles(samples, n=100)[98]


def run_scenario(
    *,
    protocol: str = "http",
    fault: str = "503_ra1",
    count: int = 4000,
    rate: float = 200.0,
    before_s: float = 5.0,
    outage_s: float = 30.0,
    tail_s: float = 40.0,
    busy: bool = False,
    spool: bool = True,
    slow_recovery: int = 0,
    extra_env: dict[str, str] | None = None,
    workdir: Path | None = None,
) -> ScenarioResult:
    """Run the scenario once; see the module docstring. ``slow_recovery`` > 0: the
    first that many requests after the recovery hang past the client's timeout."""
    tmp_ctx = tempfile.TemporaryDirectory(prefix="outage-") if workdir is None else None
    work = Path(tmp_ctx.name) if tmp_ctx is not None else workdir
    assert work is not None
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    rx = _Receiver(protocol)
    app: subprocess.Popen[str] | None = None
    try:
        endpoint = f"http://127.0.0.1:{rx.port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "PYTHONPATH": str(REPO),
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc" if protocol == "grpc" else "http/protobuf",
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
            "OTEL_SERVICE_NAME": "outage-scenario",
        }
        if spool:
            env["MCP_LLM_TRACE_SPOOL_DIR"] = str(work / "spool")
        env.update(extra_env or {})
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.outage_scenario",
                "app",
                "--count",
                str(count),
                "--rate",
                str(rate),
                "--run-s",
                str(before_s + outage_s + tail_s),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        assert app.stdout is not None
        started = json.loads(app.stdout.readline())
        t0 = float(started["t0"])
        _sleep_until(t0 + before_s)
        rx.send(dict(FAULTS[fault]))
        _sleep_until(t0 + before_s + outage_s)
        if slow_recovery:
            rx.send({"op": "fail_next", "n": slow_recovery, "hang_s": 3.0})
        rx.send({"op": "start"} if fault == "refused" else {"op": "ok"})
        recovered_at = time.time()
        out, err = app.communicate(timeout=before_s + outage_s + tail_s + 120)
        report = json.loads(out.strip().splitlines()[-1])
        dump = rx.send({"op": "dump"})
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait(5)
        rx.close()
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait(5)
    res = ScenarioResult(protocol, fault, count, outage_s, busy)
    seqs = [int(s) for s in dump["seq"] if s is not None]
    counts = Counter(seqs)
    res.received_unique = len(counts)
    res.missing = [i for i in range(count) if i not in counts]
    res.duplicates = sum(c - 1 for c in counts.values())
    created = report["created"]  # seq → wall time of creation
    first_arrival: dict[int, float] = {}
    for seq, at in zip(seqs, dump["arrivals"], strict=True):
        first_arrival.setdefault(seq, at)
    before_recovery = [i for i in range(count) if created[i] < recovered_at]
    if not res.missing:
        last = max((first_arrival[i] for i in before_recovery), default=recovered_at)
        res.backlog_cleared_s = max(0.0, last - recovered_at)
        res.all_delivered_s = max(0.0, max(first_arrival.values()) - recovered_at)
    lat = report["latency_us"]
    res.p99_before_us = _p99([lat[i] for i in range(count) if created[i] < t0 + before_s])
    res.p99_during_us = _p99(
        [lat[i] for i in range(count) if t0 + before_s <= created[i] < t0 + before_s + outage_s]
    )
    res.stats = report["stats"]
    res.shutdown_s = report["shutdown_s"]
    res.app_log_tail = "\n".join(err.strip().splitlines()[-15:])
    if tmp_ctx is not None:
        tmp_ctx.cleanup()
    return res


def _sleep_until(wall: float) -> None:
    while (left := wall - time.time()) > 0:
        time.sleep(min(left, 0.2))


# ---------------------------------------------------------------------------- app process


def app_main(count: int, rate: float, run_s: float) -> None:
    """Emit ``count`` spans at ``rate``/s, idle until ``run_s`` after start, shut down."""
    import logging

    import mcp_llm_trace as mlt

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    telemetry = mlt.configure()
    t0 = time.time()
    print(json.dumps({"t0": t0}), flush=True)
    created: list[float] = []
    latency_us: list[float] = []
    period = 1.0 / rate
    start = time.perf_counter()
    for i in range(count):
        target = start + i * period
        while (left := target - time.perf_counter()) > 0:
            time.sleep(left)
        s0 = time.perf_counter()
        with mlt.create_span("work", attributes={"seq": i}):
            pass
        latency_us.append((time.perf_counter() - s0) * 1e6)
        created.append(time.time())
    while time.time() < t0 + run_s:
        time.sleep(0.1)
    s0 = time.perf_counter()
    telemetry.shutdown()
    shutdown_s = time.perf_counter() - s0
    stats = telemetry.stats()
    print(
        json.dumps(
            {
                "created": created,
                "latency_us": latency_us,
                "stats": stats,
                "shutdown_s": shutdown_s,
            },
            default=str,
        ),
        flush=True,
    )


# ---------------------------------------------------------------------------- soak


def soak_main(runs: int, protocols: list[str], out: Path | None) -> int:
    """The long scenario ``runs`` times per protocol with a busy neighbour."""
    results: list[ScenarioResult] = []
    failed = 0
    for protocol in protocols:
        fault = "unavailable" if protocol == "grpc" else "503_ra1"
        for i in range(runs):
            res = run_scenario(protocol=protocol, fault=fault, busy=True)
            results.append(res)
            ok = (
                not res.missing
                and res.backlog_cleared_s is not None
                and res.backlog_cleared_s <= 15.0
                and res.duplicate_ratio <= 0.01
                and res.p99_during_us <= 3 * max(res.p99_before_us, 1.0)
            )
            failed += not ok
            print(f"[{i + 1}/{runs}] {'ok  ' if ok else 'FAIL'} {res.summary()}", flush=True)
            if not ok:
                print(res.app_log_tail, flush=True)
    for protocol in protocols:
        mine = [r for r in results if r.protocol == protocol]
        cleared = [r.backlog_cleared_s for r in mine if r.backlog_cleared_s is not None]
        print(
            f"{protocol}: {sum(not r.missing for r in mine)}/{len(mine)} runs delivered "
            f"{mine[0].count}/{mine[0].count}; backlog cleared after recovery: "
            f"median {statistics.median(cleared) if cleared else float('nan'):.1f}s, "
            f"max {max(cleared, default=float('nan')):.1f}s; duplicates max "
            f"{max(r.duplicates for r in mine)}; p99 during/before max "
            f"{max(r.p99_during_us / max(r.p99_before_us, 1.0) for r in mine):.2f}x"
        )
    if out is not None:
        out.write_text(json.dumps([asdict(r) for r in results], indent=1, default=str))
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    """CLI: ``app`` (the emitting process), ``run`` (one scenario), ``soak``."""
    parser = argparse.ArgumentParser(prog="python -m tests.support.outage_scenario")
    sub = parser.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("app")
    a.add_argument("--count", type=int, default=4000)
    a.add_argument("--rate", type=float, default=200.0)
    a.add_argument("--run-s", type=float, default=75.0)
    r = sub.add_parser("run")
    r.add_argument("--protocol", default="http")
    r.add_argument("--fault", default="503_ra1", choices=sorted(FAULTS))
    r.add_argument("--count", type=int, default=4000)
    r.add_argument("--outage-s", type=float, default=30.0)
    r.add_argument("--tail-s", type=float, default=40.0)
    r.add_argument("--busy", action="store_true")
    r.add_argument("--no-spool", action="store_true")
    r.add_argument("--repeat", type=int, default=1)
    s = sub.add_parser("soak")
    s.add_argument("--runs", type=int, default=10)
    s.add_argument("--protocols", default="http,grpc")
    s.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cmd == "app":
        app_main(args.count, args.rate, args.run_s)
        return 0
    if args.cmd == "run":
        for _ in range(args.repeat):
            res = run_scenario(
                protocol=args.protocol,
                fault=args.fault,
                count=args.count,
                outage_s=args.outage_s,
                tail_s=args.tail_s,
                busy=args.busy,
                spool=not args.no_spool,
            )
            print(res.summary(), flush=True)
            if res.missing:
                print(res.app_log_tail, flush=True)
        return 0
    return soak_main(args.runs, args.protocols.split(","), args.out)


if __name__ == "__main__":
    raise SystemExit(main())
