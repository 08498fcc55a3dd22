"""``mcp-llm-trace scrub``: scrub stdin to stdout (text, or JSON lines with ``--jsonl``).

Examples::

    echo "mail bob@example.com" | mcp-llm-trace scrub
    mcp-llm-trace scrub --jsonl --report < spans.jsonl > clean.jsonl

Exit codes: 0 done, 2 bad arguments/configuration. Scrubbing runs whatever
``sanitize_pii`` says (asking for the command is asking for scrubbing).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from typing import Any

__all__ = ["add_scrub_command", "run_scrub"]


def add_scrub_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``scrub`` sub-command to an ``argparse`` sub-parsers object."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scrub",
        help="scrub PII and secrets from stdin to stdout",
        description="Replace PII and secrets in stdin with [TYPE] labels; write stdout.",
    )
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="input is JSON lines: scrub every string value (and key) of each line",
    )
    p.add_argument(
        "--report",
        action="store_true",
        help="print redaction counts by entity type to stderr (JSON)",
    )
    p.add_argument("--config", metavar="FILE", help="YAML config file (data_privacy: section)")
    p.add_argument(
        "--no-presidio",
        action="store_true",
        help="regex recognizers only (faster, lower phone recall)",
    )
    p.add_argument("--ner", action="store_true", help="also detect PERSON/LOCATION (needs [ner])")
    p.add_argument(
        "--profile",
        choices=["minimal", "default", "strict"],
        help="PII entity profile (overrides data_privacy.profile; docs/privacy.md, Profiles)",
    )
    p.set_defaults(func=run_scrub)
    return p


def run_scrub(args: argparse.Namespace) -> int:
    """Run the command for parsed ``args``; returns the exit code."""
    from dataclasses import replace

    from mcp_llm_trace.config import ConfigError, load_config
    from mcp_llm_trace.privacy.scrubber import Scrubber

    try:
        cfg = load_config(getattr(args, "config", None))
    except ConfigError as exc:
        print(f"mcp-llm-trace scrub: {exc}", file=sys.stderr)
        return 2
    privacy = cfg.privacy
    if getattr(args, "no_presidio", False):
        privacy = replace(privacy, presidio=False)
    if getattr(args, "ner", False):
        privacy = replace(privacy, ner=True)
    if getattr(args, "profile", None):
        privacy = replace(privacy, profile=args.profile)
    scrubber = Scrubber(privacy)
    counts: Counter[str] = Counter()
    stdin = _text_stream(sys.stdin)
    stdout = _text_stream(sys.stdout)
    bad_lines = 0
    if args.jsonl:
        for line in stdin:
            if not line.strip():
                stdout.write(line)
                continue
            try:
                value = json.loads(line)
            except ValueError:
                bad_lines += 1  # not JSON: scrub it as text rather than pass it through
                text, found = scrubber.scrub_text_counted(line.rstrip("\n"))
                counts.update(dict(found))
                stdout.write(text + "\n")
                continue
            clean = scrubber.scrub_value_counted(value, counts)
            stdout.write(json.dumps(clean, ensure_ascii=False) + "\n")
    else:
        text, found = scrubber.scrub_text_counted(stdin.read())
        counts.update(dict(found))
        stdout.write(text)
    stdout.flush()
    if stdout is not sys.stdout:
        stdout.detach()  # leave sys.stdout's buffer open
    if args.report:
        report = {
            "redactions": sum(counts.values()),
            "by_type": dict(sorted(counts.items())),
            "engine": scrubber.engine_status,
            "ner": scrubber.presidio.ner_status if scrubber.presidio else "off",
        }
        if bad_lines:
            report["non_json_lines"] = bad_lines
        print(json.dumps(report), file=sys.stderr)
    return 0


def _text_stream(stream: Any) -> Any:
    """A UTF-8 text view that never fails on bad bytes (they pass through unchanged)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        return stream
    return io.TextIOWrapper(buffer, encoding="utf-8", errors="surrogateescape")
