"""Machine description, docs/performance.md tables and the plot (matplotlib Agg)."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import os
import platform
from pathlib import Path
from typing import Any

PACKAGES = (
    "mcp-llm-trace",
    "opentelemetry-sdk",
    "openinference-instrumentation",
    "tiktoken",
    "presidio-analyzer",
    "spacy",
    "genai-prices",
)


def machine() -> dict[str, Any]:
    """CPU model, cores, Python, package versions, date, load at start."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = md.version(p)
        except md.PackageNotFoundError:
            versions[p] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "hostname": platform.node(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "load_avg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "packages": versions,
    }


def _us(ns: float) -> str:
    us = ns / 1000
    return f"{us:.3f}" if us < 1 else f"{us:.2f}" if us < 100 else f"{us:.0f}"


def _med_iqr(d: dict[str, Any], f: Any = lambda x: f"{x:.2f}") -> str:
    return f"{f(d['median'])} (IQR {f(d['iqr'])})"


def group_table(g: dict[str, Any]) -> list[str]:
    """Markdown table of one timing group."""
    base = g["baseline"]
    lines = [f"### {g['title']}", ""]
    if g["kind"] == "throughput":
        lines += [
            f"| case | {g['unit']}/s | µs/{g['unit']} | × baseline throughput |",
            "|---|---:|---:|---:|",
        ]
    else:
        lines += [
            f"| case | µs/{g['unit']} wall | µs/{g['unit']} thread CPU | "
            "× baseline (wall) | × baseline (CPU) |",
            "|---|---:|---:|---:|---:|",
        ]
    for key, v in g["variants"].items():
        name = v["label"] + (" **(baseline)**" if key == base else "")
        w, c = v["wall_ns_per_unit"], v["cpu_ns_per_unit"]
        if g["kind"] == "throughput":
            tp = v["throughput_per_s"]
            inv = 1 / v["ratio_wall"]["median"] if v["ratio_wall"]["median"] else float("nan")
            lines.append(
                f"| {name} | {tp['median']:,.0f} (IQR {tp['iqr']:,.0f}) | "
                f"{_us(w['median'])} | {inv:.3g} |"
            )
        else:
            rw, rc = v["ratio_wall"], v["ratio_cpu"]
            lines.append(
                f"| {name} | {_us(w['median'])} (IQR {_us(w['iqr'])}) | "
                f"{_us(c['median'])} | {_med_iqr(rw)} | {_med_iqr(rc)} |"
            )
    if g.get("note"):
        lines += ["", g["note"]]
    for v in g["variants"].values():
        found = (v.get("report") or {}).get("findings")
        if found:
            top = ", ".join(f"{k} {n}" for k, n in sorted(found.items(), key=lambda kv: -kv[1]))
            lines += ["", f"Findings, {v['label']}: {sum(found.values())} ({top})."]
    return [*lines, ""]


def plot(results: dict[str, Any], path: Path) -> None:
    """Bar chart of caller-thread µs/op (disabled and enabled groups), log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows: list[tuple[str, float, float, bool]] = []
    for key in ("disabled", "enabled"):
        g = results["groups"].get(key)
        if not g:
            continue
        for vkey, v in g["variants"].items():
            w = v["wall_ns_per_unit"]
            rows.append(
                (v["label"][:60], w["median"] / 1000, w["iqr"] / 1000, vkey == g["baseline"])
            )
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.2))
    ys = range(len(rows))
    ax.barh(
        list(ys),
        [r[1] for r in rows],
        xerr=[r[2] / 2 for r in rows],
        color=["#999999" if r[3] else "#3b7dd8" for r in rows],
    )
    ax.set_yticks(list(ys), [r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("µs per operation, caller thread (median, bar = IQR; grey = baseline)")
    ax.set_title("mcp-llm-trace caller-thread cost", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
