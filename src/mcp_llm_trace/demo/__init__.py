"""``mcp-llm-trace demo``: an instrumented, offline MCP gateway + LLM/RAG workload.

Two tenants and several users send requests to a simulated gateway: plugins, an MCP tool
call that sometimes fails and is retried, a prompt render, a RAG pipeline (embedding →
vector search → rerank → retrieval → streamed LLM answer), a DB write, a prompt cache,
and a call federated to a second gateway running as a separate process (context carried
in the request). Some prompts contain fake personal data and secrets, which never leave
the process unscrubbed. Writes OTLP/JSON lines under ``./traces/`` by default.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from mcp_llm_trace.demo.summary import print_summary

SPANS_PER_REQUEST = 17  # measured: the average span count of run_request


class PeerGateway:
    """The second gateway as a subprocess speaking JSON lines."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mcp_llm_trace.demo.peer"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.final: dict[str, Any] = {}

    def forward(
        self, carrier: MutableMapping[str, str], tool: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Send one call and wait for its reply."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps({"carrier": dict(carrier), "tool": tool, "args": args}) + "\n")
        stdin.flush()
        reply: dict[str, Any] = json.loads(stdout.readline() or "{}")
        return reply

    def close(self) -> None:
        """Close stdin, collect the peer's final stats."""
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.close()
        for line in stdout:
            data = json.loads(line)
            if "final" in data:
                self.final = data["final"]
        self.proc.wait(timeout=30)


def run_demo(
    *,
    exporter: str = "file",
    out: str = "./traces",
    spans: int = 600,
    seed: int = 7,
    quiet: bool = False,
    federate: bool = True,
    price_sync: bool = True,
    metrics_port: int | None = None,
    serve_seconds: float | None = None,
    rps: float | None = None,
) -> int:
    """Run the workload; returns the process exit code.

    With ``metrics_port`` the metrics are also served at
    ``http://$OTEL_EXPORTER_PROMETHEUS_HOST:PORT/metrics`` (default host 127.0.0.1) and
    stay there after the workload — until Ctrl-C, or for ``serve_seconds`` — so
    Prometheus/Grafana can be pointed at them (``dashboards/``). A disk spool under
    ``OUT/.spool`` is configured then too, so the spool gauges have data. ``rps`` paces
    the workload to that many gateway requests per second (default: as fast as possible),
    so that rates and percentiles show on a dashboard while it runs.
    """
    if rps is not None and rps <= 0:
        raise ValueError(f"rps must be > 0, got {rps}")
    import mcp_llm_trace as mlt
    from mcp_llm_trace.demo.stub import TENANTS, StubLLM
    from mcp_llm_trace.demo.workload import run_request

    out_dir = Path(out)
    names = [e.strip() for e in exporter.split(",") if e.strip()]
    if "phoenix" in names and price_sync:
        _sync_phoenix_prices(quiet)
    tel = mlt.configure(
        force=True,
        service_name=os.environ.get("OTEL_SERVICE_NAME", "mcp-gateway-1"),
        service_version="1.4.0",
        deployment_environment="demo",
        traces_exporter=",".join([*names, "memory"]),
        export_file_path=str(out_dir),
        capture_content=True,
        sanitize_pii=True,
        sampling_strategy="always_on",
        pricing_budgets=[{"scope": "tenant", "id": "acme", "period": "day", "usd": "0.50"}],
        **_metrics_options(out_dir, metrics_port),
    )
    peer = None
    if federate:
        env = dict(os.environ)
        env.update(
            {
                "OTEL_TRACES_EXPORTER": ",".join(names),
                "MCP_LLM_TRACE_FILE_PATH": str(out_dir / "traces-peer.jsonl"),
                "MCP_LLM_TRACE_CAPTURE_CONTENT": "true",
                "OTEL_SANITIZE_PII": "true",
                "OTEL_TRACES_SAMPLER": "always_on",
                "OTEL_SERVICE_NAME": "mcp-gateway-2",
            }
        )
        peer = PeerGateway(env)
    rng = random.Random(seed)
    llm = StubLLM(rng)
    requests = max(1, spans // SPANS_PER_REQUEST)
    users = [(t, u) for t, us in TENANTS.items() for u in us]
    started = time.perf_counter()
    progress = _progress(quiet, requests)
    try:
        for i in range(requests):
            if rps is not None:
                time.sleep(max(0.0, started + i / rps - time.perf_counter()))
            tenant, user = users[i % len(users)]
            run_request(rng, llm, tenant, user, i, peer.forward if peer else None)
            progress(i + 1)
    finally:
        if peer is not None:
            peer.close()
        tel.force_flush(30)
    elapsed = time.perf_counter() - started
    assert tel.memory_exporter is not None
    finished = list(tel.memory_exporter.get_finished_spans())
    stats = tel.stats()
    print_summary(
        finished, stats, peer.final if peer else None, elapsed, out_dir if "file" in names else None
    )
    try:
        if metrics_port is not None:
            _serve_metrics(tel, serve_seconds)
    finally:
        tel.shutdown()
    return 0


def _metrics_options(out_dir: Path, metrics_port: int | None) -> dict[str, Any]:
    if metrics_port is None:
        return {"metrics_exporter": "memory"}
    return {
        "metrics_exporter": "memory,prometheus",
        "metrics_prometheus_port": metrics_port,
        "export_spool_dir": str(out_dir / ".spool"),
    }


def _serve_metrics(tel: Any, serve_seconds: float | None) -> None:
    """Keep the process (and its scrape endpoint) alive after the workload."""
    from mcp_llm_trace._internal.providers import prometheus_port
    from mcp_llm_trace.config import load_config

    port = prometheus_port(tel.meter_provider)
    if port is None:
        print("error: the Prometheus endpoint did not start (see the warning above)")
        return
    host = load_config().metrics.prometheus_host
    until = "Ctrl-C to stop" if serve_seconds is None else f"for {serve_seconds:g} s"
    print(f"serving metrics at http://{host}:{port}/metrics ({until})", flush=True)
    deadline = None if serve_seconds is None else time.monotonic() + serve_seconds
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))
    except KeyboardInterrupt:
        print("stopped serving metrics")


def _sync_phoenix_prices(quiet: bool) -> None:
    """Push our prices for the demo's models into Phoenix *before* any span is sent:
    Phoenix prices a span once, when it arrives, and never re-prices stored spans."""
    from mcp_llm_trace.config import load_config
    from mcp_llm_trace.demo.stub import MODELS
    from mcp_llm_trace.integrations.phoenix import sync_prices_to_phoenix

    cfg = load_config()
    models = [f"{provider}:{model}" for model, provider in MODELS if provider != "acme"]
    try:
        sync_prices_to_phoenix(
            cfg.phoenix.endpoint, api_key=cfg.phoenix.api_key, models=models, wait=True
        )
    except Exception as exc:  # the demo still runs; Phoenix costs may differ
        print(
            f"warning: could not sync prices to Phoenix ({exc}); Phoenix will use its "
            "own price list",
            file=sys.stderr,
        )
        return
    if not quiet:
        print(f"synced prices of {len(models)} models to Phoenix", file=sys.stderr)


def _progress(quiet: bool, total: int) -> Any:
    if quiet:
        return lambda n: None
    try:
        from rich.progress import Progress
    except ImportError:  # pragma: no cover - rich is in the [cli] extra
        return lambda n: print(f"\r{n}/{total} requests", end="", file=sys.stderr)
    bar = Progress(transient=True)
    task = bar.add_task("gateway requests", total=total)
    bar.start()

    def update(n: int) -> None:
        bar.update(task, completed=n)
        if n >= total:
            bar.stop()

    return update
