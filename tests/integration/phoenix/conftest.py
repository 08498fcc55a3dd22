"""A real Phoenix server for the session: own virtualenv, free ports, temp working dir.

One server per test session (start ~7–30 s); every test writes to its own project, so
tests never see each other's spans. ``wait_for_spans`` polls the Phoenix client until the
expected number of spans is stored (never a fixed sleep), with an explicit ``limit``
(Phoenix's default of 1000 truncates silently).

Missing server virtualenv: skipped locally with the reason, a failure in CI (``CI`` set).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mcp_llm_trace import semconv as sc
from mcp_llm_trace.integrations.phoenix import PhoenixServer, local_phoenix

REPO = Path(__file__).resolve().parents[3]
# Read at import: the suite's autouse fixture clears PHOENIX_* variables per test.
_VENV = Path(os.environ.get("PHOENIX_VENV") or ".venv-phoenix")
PHOENIX_VENV = _VENV if _VENV.is_absolute() else REPO / _VENV


def _phoenix_missing_reason() -> str | None:
    if (PHOENIX_VENV / "bin" / "phoenix").is_file():
        return None
    return (
        f"Phoenix server virtualenv not found at {PHOENIX_VENV}; create it with "
        "`make phoenix-venv` (bash scripts/phoenix-venv.sh)"
    )


@pytest.fixture(scope="session")
def phoenix_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoenixServer]:
    """A ready Phoenix on 127.0.0.1 (free ports, temp dir), stopped at session end."""
    reason = _phoenix_missing_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI: {reason}")
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("phoenix")
    # A clean server environment: no inherited PHOENIX_* client settings.
    with local_phoenix(venv=PHOENIX_VENV, working_dir=workdir, ready_timeout_s=240) as server:
        yield server


@pytest.fixture(scope="session")
def phoenix_client(phoenix_server: PhoenixServer) -> Any:
    """``phoenix.client.Client`` for the session server."""
    from phoenix.client import Client

    return Client(base_url=phoenix_server.url)


@pytest.fixture
def phoenix_project(request: pytest.FixtureRequest) -> str:
    """A project name unique to this test."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:40].strip("-")
    return f"t-{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def phoenix_telemetry(
    phoenix_server: PhoenixServer, phoenix_project: str
) -> Iterator[Callable[..., Any]]:
    """``make(**kwargs)`` → ``Telemetry`` exporting to the session Phoenix, this test's
    project, plus ``memory`` (to compare with what we sent). Shut down after the test."""
    import mcp_llm_trace as mlt

    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        opts: dict[str, Any] = {
            "service_name": "phoenix-it",
            "traces_exporter": "phoenix,memory",
            "phoenix_endpoint": phoenix_server.url,
            "phoenix_project_name": phoenix_project,
            "sampling_strategy": "always_on",
            "metrics_exporter": "none",
        }
        opts.update(kwargs)
        tel = mlt.configure(force=True, **opts)
        made.append(tel)
        return tel

    yield make
    for tel in made:
        tel.shutdown()


#: Price for the demo's in-house model: ours via a user price file, unknown to Phoenix.
ACME_PRICES = """\
provider: acme
currency: USD
models:
- id: acme-internal-llm
  prices:
  - input: '0.8'
    output: '3.2'
    cache_read: '0.08'
"""


@dataclass
class DemoRun:
    """The offline demo sent to Phoenix (prices synced first), and what it exported."""

    project: str
    url: str
    spans: list[dict[str, Any]]  # OTLP/JSON spans from the demo's file exporter

    def llm_spans(self) -> list[dict[str, Any]]:
        """Spans whose ``openinference.span.kind`` is LLM."""
        return [s for s in self.spans if s["attributes"].get(sc.SPAN_KIND) == "LLM"]


def _otlp_value(value: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_otlp_value(v) for v in value["arrayValue"].get("values", [])]
    return None


def read_otlp_json_lines(directory: Path) -> list[dict[str, Any]]:
    """Every span in the file exporter's ``*.jsonl`` files, attributes as a plain dict."""
    spans: list[dict[str, Any]] = []
    for path in sorted(directory.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for rs in json.loads(line).get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    for span in ss.get("spans", []):
                        attrs = {a["key"]: _otlp_value(a["value"]) for a in span["attributes"]}
                        spans.append({**span, "attributes": attrs})
    return spans


def _clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("OTEL_", "MCP_LLM_TRACE_", "PHOENIX_", "OPENINFERENCE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(MCP_LLM_TRACE_STRICT="1", **extra)
    return env


@pytest.fixture(scope="session")
def demo_run(
    phoenix_server: PhoenixServer, phoenix_client: Any, tmp_path_factory: pytest.TempPathFactory
) -> DemoRun:
    """``pricing sync-phoenix`` then ``demo --exporter phoenix,file`` (real CLI, subprocess),
    waited until Phoenix stored every span. Shared by the cost test and the notebooks."""
    from pxhelpers import wait_for_spans

    from mcp_llm_trace.demo.stub import MODELS

    work = tmp_path_factory.mktemp("demo")
    prices = work / "acme.yml"
    prices.write_text(ACME_PRICES, encoding="utf-8")
    project = f"demo-{uuid.uuid4().hex[:8]}"
    env = _clean_env(
        PHOENIX_COLLECTOR_ENDPOINT=phoenix_server.url,
        PHOENIX_PROJECT_NAME=project,
        MCP_LLM_TRACE_PRICING_FILES=str(prices),
    )
    cli = [sys.executable, "-m", "mcp_llm_trace.cli"]
    models = [f"{provider}:{model}" for model, provider in MODELS]
    subprocess.run(
        [*cli, "pricing", "sync-phoenix", "--models", *models],
        env=env,
        cwd=work,
        check=True,
        timeout=300,
    )
    out = work / "traces"
    subprocess.run(
        [
            *cli,
            "demo",
            "--exporter",
            "phoenix,file",
            "--out",
            str(out),
            "--quiet",
            "--no-price-sync",
        ],
        env=env,
        cwd=work,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )
    spans = read_otlp_json_lines(out)
    wait_for_spans(phoenix_client, project, len(spans), timeout_s=240)
    return DemoRun(project=project, url=phoenix_server.url, spans=spans)
