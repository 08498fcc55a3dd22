"""``mcp-llm-trace tokens …`` and ``mcp-llm-trace pricing …`` sub-commands (argparse).

Exit codes (docs/pricing.md):
  0  success (``diff``: no differences)
  1  problems found: ``validate`` errors, ``diff`` differences, imported data invalid
  2  bad usage (argparse) or unreadable input
  3  ``cost``/``show``: model not in the price table (not priced)
  4  a needed source or tool is unavailable (genai-prices, LiteLLM file, jsonschema)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "EXIT_UNAVAILABLE",
    "EXIT_UNPRICED",
    "EXIT_USAGE",
    "add_pricing_commands",
    "add_tokens_commands",
]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_UNPRICED, EXIT_UNAVAILABLE = 0, 1, 2, 3, 4


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


# ---------------------------------------------------------------------- tokens


def add_tokens_commands(subparsers: Any) -> Any:
    """Register ``tokens count --model M [--json] [--messages]`` (reads stdin) on the
    top-level sub-parsers; returns the ``tokens`` sub-parsers."""
    tokens = subparsers.add_parser("tokens", help="count tokens offline")
    sub = tokens.add_subparsers(dest="tokens_command", required=True)
    count = sub.add_parser("count", help="count tokens of stdin")
    count.add_argument("--model", default="gpt-4o", help="model id (default gpt-4o)")
    count.add_argument("--json", action="store_true", help="print a JSON object")
    count.add_argument(
        "--messages", action="store_true", help="stdin is a JSON list of chat messages"
    )
    count.add_argument(
        "--keep-newline",
        action="store_true",
        help="count the final newline of stdin too (dropped by default)",
    )
    count.set_defaults(func=_tokens_count)
    return sub


def _tokens_count(args: argparse.Namespace) -> int:
    from mcp_llm_trace.tokens import count_tokens

    text = sys.stdin.read()
    if not args.keep_newline and text.endswith("\n"):
        # `echo text | …` appends one newline the user did not mean to count.
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    value: Any = text
    if args.messages:
        try:
            value = json.loads(text)
        except ValueError as exc:
            print(f"error: stdin is not JSON: {exc}", file=sys.stderr)
            return EXIT_USAGE
    tc = count_tokens(value, model=args.model)
    if args.json:
        _print_json({"model": args.model, **tc.__dict__})
    else:
        print(tc.tokens)
    return EXIT_OK


# ---------------------------------------------------------------------- pricing


def add_pricing_commands(subparsers: Any) -> Any:
    """Register ``pricing show|cost|validate|import|lint|diff|check`` on the top-level sub-parsers;
    returns the ``pricing`` sub-parsers (``sync-phoenix`` is added there)."""
    pricing = subparsers.add_parser("pricing", help="price table tools")
    sub = pricing.add_subparsers(dest="pricing_command", required=True)

    show = sub.add_parser("show", help="show a model's prices and history")
    show.add_argument("model")
    show.add_argument("--provider")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    cost = sub.add_parser("cost", help="cost of one call")
    cost.add_argument("--model", required=True)
    cost.add_argument("--provider")
    cost.add_argument("--input-tokens", type=int, required=True, help="incl. cache reads/writes")
    cost.add_argument("--output-tokens", type=int, required=True, help="incl. reasoning")
    cost.add_argument("--cache-read-tokens", type=int, default=0)
    cost.add_argument("--cache-write-tokens", type=int, default=0)
    cost.add_argument("--reasoning-tokens", type=int, default=0)
    cost.add_argument("--at", help="date or datetime (ISO, UTC) for price history")
    cost.add_argument("--json", action="store_true")
    cost.set_defaults(func=_cost)

    val = sub.add_parser("validate", help="validate price files")
    val.add_argument("--dir", help="directory of *.yml (default: the shipped data)")
    val.set_defaults(func=_validate)

    imp = sub.add_parser(
        "import",
        help="import prices: validated overlay file (default), --dry-run or --in-place",
    )
    imp.add_argument("--from", dest="source", choices=["genai-prices", "litellm"], required=True)
    imp.add_argument("--file", help="LiteLLM model_prices_and_context_window.json")
    imp.add_argument("--dir", help="price directory to compare/merge (default: shipped data)")
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the diff, write nothing")
    mode.add_argument(
        "--in-place", action="store_true", help="maintainers: rewrite the changed files of --dir"
    )
    mode.add_argument("--write", action="store_true", help=argparse.SUPPRESS)  # = --in-place
    imp.add_argument(
        "--output",
        "-o",
        default="pricing-overlay.yml",
        help="overlay file for pricing.files (default ./pricing-overlay.yml)",
    )
    imp.add_argument("--effective-from", help="date of new price entries (default: today)")
    imp.add_argument("--plain", action="store_true", help="plain text even if rich is installed")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=_import)

    lint = sub.add_parser("lint", help="floating aliases (-latest) priced like their targets")
    lint.add_argument("--dir", help="directory of *.yml (default: the shipped data)")
    lint.add_argument("--aliases", help="alias targets file (default: DIR/aliases.yaml)")
    lint.add_argument("--at", help="compare prices in force on this date (default now)")
    lint.add_argument("--strict", action="store_true", help="warnings fail too")
    lint.add_argument("--json", action="store_true")
    lint.set_defaults(func=_lint)

    diff = sub.add_parser("diff", help="compare two price directories/files")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.add_argument("--at", help="compare prices in force on this date (default today)")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(func=_diff)

    check = sub.add_parser("check", help="cross-check prices against a second source")
    check.add_argument("--against", choices=["litellm"], required=True)
    check.add_argument("file", help="LiteLLM model_prices_and_context_window.json")
    check.add_argument("--reviewed", help="reviewed differences (default: shipped file)")
    check.add_argument("--at", help="compare prices in force at this date (default now)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_check)
    return sub


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    if len(value) == 10:
        d = date.fromisoformat(value)
        return datetime(d.year, d.month, d.day, 12)
    return datetime.fromisoformat(value)


def _data_dir(value: str | None) -> Path | None:
    from mcp_llm_trace.pricing.table import shipped_pricing_dir

    return Path(value) if value else shipped_pricing_dir()


def _show(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing.compute import get_price_table

    table = get_price_table()
    entry = table.find(args.model, args.provider)
    if entry is None:
        print(f"no price for {args.model!r}", file=sys.stderr)
        return EXIT_UNPRICED
    from mcp_llm_trace.pricing.model import WEEKDAYS

    history: list[dict[str, Any]] = []
    for p in entry.history:
        prices = {k: (str(v) if not hasattr(v, "tiers") else repr(v)) for k, v in p.prices.items()}
        cond: dict[str, Any] = {"effective_from": p.effective_from, "hours_utc": p.hours_utc}
        if p.weekdays is not None:
            cond["weekdays"] = [WEEKDAYS[d] for d in sorted(p.weekdays)]
        if p.except_dates:
            cond["except_dates"] = sorted(p.except_dates)
        if p.calendar_offset:
            cond["calendar_offset_hours"] = p.calendar_offset.total_seconds() / 3600
        history.append({**cond, **prices})
    data = {
        "provider": entry.provider,
        "id": entry.id,
        "aliases": sorted(entry.aliases),
        "regex": list(entry.regex),
        "currency": entry.currency,
        "unit": "per million tokens (per_request: per request)",
        "history": history,
        "retired": entry.retired,
        "provenance": dict(entry.provenance),
        "pricing_version": table.version,
    }
    if args.json:
        _print_json(data)
    else:
        print(f"{entry.provider}/{entry.id}  ({entry.currency} per 1M tokens)")
        for h in history:
            when = h.pop("effective_from") or "(initial)"
            hours = h.pop("hours_utc")
            extra = f" during {hours[0]}-{hours[1]} UTC" if hours else ""
            if "weekdays" in h:
                extra += " on " + ",".join(h.pop("weekdays"))
            if "calendar_offset_hours" in h:
                extra += f" (calendar UTC{h.pop('calendar_offset_hours'):+g}h)"
            if "except_dates" in h:
                extra += " except " + ",".join(str(d) for d in h.pop("except_dates"))
            print(f"  from {when}{extra}: " + ", ".join(f"{k}={v}" for k, v in h.items()))
        if entry.retired:
            print(f"  retired by the vendor: {entry.retired}")
        print(f"  source: {entry.provenance.get('source')} {entry.provenance.get('url', '')}")
    return EXIT_OK


def _cost(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing.compute import compute_cost
    from mcp_llm_trace.pricing.model import Usage

    try:
        usage = Usage(
            input_tokens=args.input_tokens,
            output_tokens=args.output_tokens,
            cache_read_tokens=args.cache_read_tokens,
            cache_write_tokens=args.cache_write_tokens,
            reasoning_tokens=args.reasoning_tokens,
        )
        at = _parse_at(args.at)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    cost = compute_cost(args.model, args.provider, usage, at)
    fields = ("input", "cache_read", "cache_write", "output", "reasoning", "request", "total")
    if args.json:
        _print_json(
            {
                **{f: str(getattr(cost, f)) for f in fields},
                "currency": cost.currency,
                "priced": cost.priced,
                "price_source": cost.price_source,
            }
        )
    elif cost.priced:
        print(f"{cost.total} {cost.currency}  ({cost.price_source})")
        for f in fields[:-1]:
            print(f"  {f:<12}{getattr(cost, f)}")
    else:
        print(f"not priced: {cost.price_source}", file=sys.stderr)
    return EXIT_OK if cost.priced else EXIT_UNPRICED


def _validate(args: argparse.Namespace) -> int:
    try:
        from mcp_llm_trace.pricing.validate import validate_dir
    except ImportError as exc:  # pragma: no cover - jsonschema missing
        print(f"error: {exc} (pip install jsonschema)", file=sys.stderr)
        return EXIT_UNAVAILABLE
    directory = _data_dir(args.dir)
    if directory is None or not directory.is_dir():
        print(f"error: no price directory {directory}", file=sys.stderr)
        return EXIT_USAGE
    problems = validate_dir(directory)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s) in {directory}", file=sys.stderr)
    return EXIT_PROBLEMS if problems else EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing import importer
    from mcp_llm_trace.pricing.merge import load_docs
    from mcp_llm_trace.pricing.update import (
        plan_update,
        table_from_dir,
        validate_plan,
        write_in_place,
        write_overlay,
    )

    try:
        eff = date.fromisoformat(args.effective_from) if args.effective_from else None
    except ValueError as exc:
        print(f"error: --effective-from: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.source == "litellm":
            if not args.file:
                print("error: --from litellm needs --file", file=sys.stderr)
                return EXIT_USAGE
            source = importer.load_litellm(args.file)
            name = f"LiteLLM {Path(args.file).name}"
        else:
            source = importer.SourceData(importer.from_genai_prices())
            name = "genai-prices"
    except (ImportError, OSError) as exc:
        print(f"error: source unavailable: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except ValueError as exc:
        print(f"error: cannot read the source: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from mcp_llm_trace.pricing.aliases import load_aliases

    directory = _data_dir(args.dir) or Path("pricing")
    existing = load_docs(directory) if directory.is_dir() else {}
    table = table_from_dir(directory) if directory.is_dir() else None
    try:
        aliases = load_aliases(directory / "aliases.yaml")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reviewed: set[tuple[str, str]] = set()
    if args.source == "litellm":
        from mcp_llm_trace.pricing.crosscheck import load_reviewed

        try:
            reviewed = load_reviewed(directory / "reviewed-differences.yaml")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    plan = plan_update(
        existing,
        source.docs,
        table=table,
        effective_from=eff,
        skipped=source.skipped,
        source_name=name,
        aliases=aliases,
        reviewed=reviewed,
    )
    try:
        if args.dry_run:
            result = validate_plan(plan, directory)
            written: list[Path] = []
        elif args.in_place or args.write:
            result, written = write_in_place(plan, directory)
        else:
            result = write_overlay(plan, directory, args.output)
            written = [Path(args.output)] if result.ok and plan.touched else []
    except ImportError as exc:  # pragma: no cover - jsonschema missing
        print(f"error: {exc} (pip install jsonschema)", file=sys.stderr)
        return EXIT_UNAVAILABLE
    if args.json:
        _print_json(
            {
                **plan.as_dict(),
                "problems": result.problems,
                "pre_existing_problems": result.pre_existing,
                "written": [str(p) for p in written],
            }
        )
    else:
        from mcp_llm_trace.pricing.report import print_plan

        print_plan(plan, plain=args.plain)
        for problem in result.problems:
            print(f"problem: {problem}", file=sys.stderr)
        if result.pre_existing:
            print(
                f"({len(result.pre_existing)} problem(s) already in {directory})", file=sys.stderr
            )
        s = plan.summary()
        print(
            f"{s['models_changed']} model(s) changed ({s['keys_changed']} price keys), "
            f"{s['models_added']} added, {s['held']} held for review",
            file=sys.stderr,
        )
        if not result.ok:
            print(
                f"validation failed: {len(result.problems)} problem(s); nothing written",
                file=sys.stderr,
            )
        elif written:
            print(f"wrote {', '.join(map(str, written))}", file=sys.stderr)
            if not (args.in_place or args.write):
                print(f"use it: pricing.files: [{written[0]}]", file=sys.stderr)
        elif not args.dry_run:
            print("nothing to write", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _lint(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing.aliases import lint_aliases, load_aliases
    from mcp_llm_trace.pricing.update import table_from_dir

    directory = _data_dir(args.dir)
    if directory is None or not directory.is_dir():
        print(f"error: no price directory {directory}", file=sys.stderr)
        return EXIT_USAGE
    try:
        aliases = load_aliases(args.aliases or directory / "aliases.yaml")
        at = _parse_at(args.at)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    findings = lint_aliases(table_from_dir(directory), aliases, at=at)
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    if args.json:
        _print_json([f.__dict__ for f in findings])
    else:
        for f in findings:
            print(f)
        print(
            f"{len(errors)} error(s), {len(warnings)} warning(s); "
            f"{len(aliases)} documented alias(es)",
            file=sys.stderr,
        )
    return EXIT_PROBLEMS if errors or (args.strict and warnings) else EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing.merge import diff_docs, load_docs

    for p in (args.old, args.new):
        if not Path(p).exists():
            print(f"error: {p} does not exist", file=sys.stderr)
            return EXIT_USAGE
    at = _parse_at(args.at)
    changes = diff_docs(load_docs(args.old), load_docs(args.new), at.date() if at else None)
    if args.json:
        _print_json([c.as_dict() for c in changes])
    else:
        for c in changes:
            print(c)
    return EXIT_PROBLEMS if changes else EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from mcp_llm_trace.pricing.compute import get_price_table
    from mcp_llm_trace.pricing.crosscheck import check_litellm, load_reviewed
    from mcp_llm_trace.pricing.table import shipped_pricing_dir

    if not Path(args.file).is_file():
        print(f"error: {args.file} does not exist", file=sys.stderr)
        return EXIT_USAGE
    default = shipped_pricing_dir()
    reviewed_path = args.reviewed or (default / "reviewed-differences.yaml" if default else None)
    try:
        reviewed = load_reviewed(reviewed_path)
        at = _parse_at(args.at)
        result = check_litellm(args.file, table=get_price_table(), reviewed=reviewed, at=at)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rows = [
        {
            "provider": d.provider,
            "model": d.model,
            "shape": d.shape,
            "ours": str(d.ours),
            "theirs": str(d.theirs),
            "pct": round(d.pct, 2),
            "reviewed": d.reviewed,
        }
        for d in result.disagreements
    ]
    summary = {
        "source_models": result.source_models,
        "overlapping": result.overlapping,
        "agreeing": result.agreeing,
        "agreement_pct": round(100 * result.agreement, 1),
        "current_coverage_pct": round(100 * result.coverage, 1),
        "unpriced": len(result.unpriced),
        "unreviewed": len(result.unreviewed),
        "stale_reviewed": len(result.stale_reviewed),
    }
    providers = {
        pid: {
            **row,
            "coverage_pct": round(100 * row["current_priced"] / row["current"], 1)
            if row["current"]
            else 100.0,
        }
        for pid, row in result.by_provider().items()
    }
    if args.json:
        _print_json(
            {
                "summary": summary,
                "providers": providers,
                "disagreements": rows,
                "unpriced": [f"{p}/{m}" for p, m in result.unpriced],
                "stale_reviewed": [f"{p}/{m}" for p, m in result.stale_reviewed],
            }
        )
    else:
        for pid, row in providers.items():
            print(
                f"{pid:<10} current {row['current_priced']}/{row['current']} priced "
                f"({row['coverage_pct']}%), {row['agreeing']}/{row['priced']} agree",
                file=sys.stderr,
            )
        for p, m in result.stale_reviewed:
            print(f"stale reviewed difference (no longer differs): {p}/{m}", file=sys.stderr)
        for r in rows:
            mark = "reviewed" if r["reviewed"] else "UNREVIEWED"
            print(
                f"{mark:<10} {r['provider']}/{r['model']} [{r['shape']}]: "
                f"ours {r['ours']} vs theirs {r['theirs']} ({r['pct']:+.1f}%)"
            )
        print(", ".join(f"{k}={v}" for k, v in summary.items()), file=sys.stderr)
    return EXIT_PROBLEMS if result.unreviewed else EXIT_OK
