"""Shared test configuration: strict mode (internal errors re-raise), clean env."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MCP_LLM_TRACE_STRICT", "1")

# Variables that would change configuration under test; tests set what they need.
_CONFIG_PREFIXES = ("OTEL_", "MCP_LLM_TRACE_", "PHOENIX_", "OPENINFERENCE_")


@pytest.fixture(autouse=True)
def _clean_config_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(_CONFIG_PREFIXES) and key not in ("MCP_LLM_TRACE_STRICT",):
            monkeypatch.delenv(key, raising=False)
