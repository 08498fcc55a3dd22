"""``python -m tests.benchmarks.run --out bench-results.json --doc docs/performance.md``

Runs every case (see the ``cases_*`` modules), writes the machine-readable results, the
Markdown report and its plot. ``--scale`` multiplies every op count (the smoke test uses
a tiny one); ``--only`` picks groups by key.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.benchmarks import fixtures as fx
from tests.benchmarks.harness import REPEATS, Group, run_group

SECTIONS = (
    "disabled",
    "enabled",
    "mcp",
    "tokens",
    "pricing",
    "scrub",
    "scrub_external",
    "exporters",
    "cpu",
    "memory",
    "sustained",
)


def groups() -> dict[str, Callable[[], Group | None]]:
    """Timing groups by key (built lazily: building imports heavy modules)."""
    from tests.benchmarks import cases_caller as cc
    from tests.benchmarks import cases_export as ce

    return {
        "disabled": cc.disabled_group,
        "enabled": cc.enabled_group,
        "mcp": cc.mcp_group,
        "tokens": ce.tokens_group,
        "pricing": ce.pricing_group,
        "scrub": ce.scrub_group,
        "scrub_external": ce.scrub_external_group,
        "exporters": ce.exporters_group,
    }


def run(
    only: Sequence[str] | None = None,
    *,
    scale: float = 1.0,
    repeats: int = REPEATS,
    log: Callable[[str], None] = lambda s: None,
) -> dict[str, Any]:
    """Run the selected sections and return the results (``targets`` included)."""
    from tests.benchmarks import cases_system as cs
    from tests.benchmarks.doc import targets
    from tests.benchmarks.report import machine

    fx.quiet_env()
    logging.getLogger("mcp_llm_trace").setLevel(logging.ERROR)
    wanted = list(only or SECTIONS)
    t0 = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine(),
        "scale": scale,
        "repeats": repeats,
        "groups": {},
    }
    for key, make in groups().items():
        if key not in wanted:
            continue
        log(f"{key} ")
        group = make()
        if group is None:
            results["mcp_skipped"] = (
                "tests/benchmarks/bench_mcp.py (from the MCP integration) is not present"
            )
            continue
        results["groups"][key] = run_group(group, scale=scale, repeats=repeats, log=log)
        log("\n")
    if "cpu" in wanted:
        log("cpu ")
        results["cpu_overhead"] = cs.cpu_overhead(scale=scale, repeats=repeats, log=log)
        log("\n")
    if "memory" in wanted:
        log("memory ")
        results["memory"] = cs.memory(scale=scale, log=log)
        log("\n")
    if "sustained" in wanted:
        log("sustained ")
        results["sustained"] = cs.sustained(scale=scale, log=log)
        log("\nsustained, privacy.workers=1 ")
        results["sustained_workers"] = cs.sustained(scale=scale, log=log, privacy_workers=1)
        log("\n")
    results["duration_s"] = time.perf_counter() - t0
    results["targets"] = targets(results)
    results["explanations"] = explanations(results)
    return results


def explanations(results: dict[str, Any]) -> list[str]:
    """Why a target is missed, when it is (kept next to the numbers)."""
    from tests.benchmarks.explain import explain

    return explain(results)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="bench-results.json")
    ap.add_argument("--doc", default="docs/performance.md")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=REPEATS)
    ap.add_argument("--only", nargs="*", choices=SECTIONS)
    args = ap.parse_args(argv)

    def log(s: str) -> None:
        sys.stderr.write(s)
        sys.stderr.flush()

    results = run(args.only, scale=args.scale, repeats=args.repeats, log=log)
    out = Path(args.out)
    out.write_text(json.dumps(results, indent=1, default=str) + "\n")
    if args.doc:
        from tests.benchmarks.doc import write_doc
        from tests.benchmarks.report import plot

        doc = Path(args.doc)
        img = doc.parent / "img" / "performance.png"
        plot(results, img)
        write_doc(results, doc, os.path.relpath(img, doc.parent))
    for t in results["targets"]:
        log(
            f"{'ok ' if t['met'] else 'MISS' if t['met'] is False else 'n/a'}  "
            f"{t['target']}: {t['shown']}\n"
        )
    log(f"done in {results['duration_s']:.0f} s → {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
