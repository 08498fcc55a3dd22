"""Shared test configuration: strict mode (internal errors re-raise), clean env."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

os.environ.setdefault("MCP_LLM_TRACE_STRICT", "1")
_STRICT = os.environ["MCP_LLM_TRACE_STRICT"]

# Variables that would change configuration under test; tests set what they need.
_CONFIG_PREFIXES = ("OTEL_", "MCP_LLM_TRACE_", "PHOENIX_", "OPENINFERENCE_")


@pytest.fixture(autouse=True)
def _clean_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(_CONFIG_PREFIXES) and key not in ("MCP_LLM_TRACE_STRICT",):
            monkeypatch.delenv(key, raising=False)
    # Whatever an earlier test did (benchmark helpers clear the environment), every test
    # runs in the suite's strict mode.
    monkeypatch.setenv("MCP_LLM_TRACE_STRICT", _STRICT)


@pytest.fixture(autouse=True)
def _reset_package_logger() -> None:
    """Undo logger tweaks (level, propagation) an earlier test may have left behind, so
    caplog sees our warnings."""
    log = logging.getLogger("mcp_llm_trace")
    log.setLevel(logging.NOTSET)
    log.propagate = True
    log.disabled = False


@pytest.fixture
def shutdown_telemetry_after() -> Iterator[None]:
    """Shut down whatever telemetry a test configured (for modules that configure often)."""
    yield
    import mcp_llm_trace as mlt

    tel = mlt.get_telemetry()
    if tel is not None:
        tel.shutdown(5.0)


@pytest.fixture
def tracer_spans() -> Iterator[tuple[Any, InMemorySpanExporter]]:
    """A tracer whose finished spans land in an in-memory exporter (SimpleSpanProcessor)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("test"), exporter
    provider.shutdown()
