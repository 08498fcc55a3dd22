"""Helpers for the Phoenix integration tests (imported by the test modules)."""

from __future__ import annotations

import time
from typing import Any

import pytest

SPANS_LIMIT = 100_000  # explicit: the client's default (1000) truncates silently


def wait_for_spans(client: Any, project: str, expected: int, *, timeout_s: float = 120.0) -> Any:
    """Poll Phoenix until ``project`` holds at least ``expected`` spans; the dataframe.

    Fails with the count seen when the deadline passes.
    """
    deadline = time.monotonic() + timeout_s
    delay, seen = 0.2, 0
    while True:
        try:
            df = client.spans.get_spans_dataframe(project_identifier=project, limit=SPANS_LIMIT)
            seen = len(df)
        except Exception as exc:  # an unknown project can 404 until its first span lands
            if "not found" not in str(exc).lower() and "404" not in str(exc):
                raise
            df, seen = None, 0
        if seen >= expected:
            return df
        if time.monotonic() > deadline:
            pytest.fail(
                f"Phoenix project {project!r}: {seen} of {expected} spans after {timeout_s:.0f} s"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 2.0)


def attr(row: Any, key: str) -> Any:
    """Attribute ``key`` of a dataframe row: Phoenix flattens known OpenInference keys
    (``attributes.llm.model_name``) and nests the rest (``attributes.tenant`` → dict)."""
    parts = key.split(".")
    for i in range(len(parts), 0, -1):
        col = "attributes." + ".".join(parts[:i])
        if col in row.index:
            value = row[col]
            for p in parts[i:]:
                if not isinstance(value, dict):
                    return None
                value = value.get(p)
            return value
    return None
