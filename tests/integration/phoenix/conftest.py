"""A real Phoenix server for the session: own virtualenv, free ports, temp working dir.

One server per test session (start ~7–30 s); every test writes to its own project, so
tests never see each other's spans. ``wait_for_spans`` polls the Phoenix client until the
expected number of spans is stored (never a fixed sleep), with an explicit ``limit``
(Phoenix's default of 1000 truncates silently).

Missing server virtualenv: skipped locally with the reason, a failure in CI (``CI`` set).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

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
