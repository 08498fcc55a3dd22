"""The reviewer's view of a price import (``pricing import`` text output, ``--dry-run``).

With ``rich`` installed (a maintainer extra, never required) the changes, new models
and held values are tables; otherwise, or with ``plain=True``, one line each:

    ~ openai/gpt-4o-mini input: 0.10 -> 0.15 (+50.0%) from 2026-12-07
    + xai/grok-5 (= grok-5-0901): input=3, output=15 from 2026-12-07
    ! anthropic/claude-sonnet-4-5 input: held: tiered here, flat in the source …
"""

from __future__ import annotations

import shutil
import sys
from typing import IO, Any

from mcp_llm_trace.pricing.update import UpdatePlan, change_order, short_price

__all__ = ["plan_lines", "print_plan"]


def plan_lines(plan: UpdatePlan) -> list[str]:
    """The plan as plain text lines: changes, new models, held values, notes."""
    lines = [str(c) for c in sorted(plan.changes, key=change_order)]
    lines += [str(a) for a in plan.added]
    lines += [str(h) for h in plan.held]
    lines += [f"note: {n}" for n in plan.notes]
    return lines


def print_plan(plan: UpdatePlan, *, plain: bool = False, file: IO[str] | None = None) -> None:
    """Print the plan for review: rich tables when available, else :func:`plan_lines`."""
    out = file or sys.stdout
    if not plain:
        try:
            import rich  # noqa: F401
        except ImportError:
            plain = True
    if plain:
        for line in plan_lines(plan):
            print(line, file=out)
        return
    _print_rich(plan, out)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


def _print_rich(plan: UpdatePlan, out: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    width = max(120, shutil.get_terminal_size((160, 40)).columns)
    console = Console(file=out, width=width, highlight=False, soft_wrap=False)
    title = f"Price changes ({plan.source_name or 'import'}, {plan.day.isoformat()})"
    changes = Table(title=title, show_lines=False)
    for col in ("model", "key", "old", "new", "change", "effective_from"):
        changes.add_column(col, overflow="fold")
    last: tuple[str, str] | None = None
    for c in sorted(plan.changes, key=change_order):
        model = f"{c.provider}/{c.model}" if (c.provider, c.model) != last else ""
        last = (c.provider, c.model)
        key = f"{c.key} [{c.condition}]" if c.condition else c.key
        changes.add_row(model, key, c.old or "(none)", c.new, _pct(c.pct), c.effective_from)
    if plan.changes:
        console.print(changes)
    if plan.added:
        added = Table(title="New models")
        for col in ("model", "also named", "prices", "effective_from"):
            added.add_column(col, overflow="fold")
        for a in plan.added:
            prices = ", ".join(f"{k}={short_price(v)}" for k, v in a.prices.items())
            added.add_row(f"{a.provider}/{a.model}", ", ".join(a.aliases), prices, a.effective_from)
        console.print(added)
    if plan.held:
        held = Table(title="Held for review (not applied)")
        for col in ("model", "key", "ours", "source", "reason"):
            held.add_column(col, overflow="fold")
        for h in plan.held:
            row: list[Any] = [f"{h.provider}/{h.model}", h.key, h.ours or "", h.theirs or ""]
            held.add_row(*row, h.reason)
        console.print(held)
    for note in plan.notes:
        console.print(f"note: {note}", markup=False)
