"""Explanations printed under the targets table for targets this run did not meet."""

from __future__ import annotations

from typing import Any


def explain(results: dict[str, Any]) -> list[str]:
    """One paragraph per missed target (empty when everything is met)."""
    missed = [t for t in results.get("targets", []) if t["met"] is False]
    return [f"- *{t['target']}*: measured {t['shown']}." for t in missed]
