"""The ``mcp-llm-trace`` command.

Sub-commands: ``demo``, ``config check``, ``tokens count``, ``pricing …``, ``scrub``,
``phoenix serve``. Exit codes: 0 success, 1 a check failed / bad input, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from mcp_llm_trace._version import __version__


def _config_check(args: argparse.Namespace) -> int:
    """Print the effective configuration (secrets masked); exit 1 on errors."""
    from mcp_llm_trace.config import ConfigError, load_config
    from mcp_llm_trace.export.registry import ExporterRegistry

    problems: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                problems.append(record.getMessage())

    handler = _Collect()
    log = logging.getLogger("mcp_llm_trace")
    log.addHandler(handler)
    try:
        cfg = load_config(args.file)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(handler)
    known = set(ExporterRegistry.names()) | {"none"}
    for name in cfg.traces_exporter:
        if name not in known:
            problems.append(f"unknown exporter {name!r}; known: {sorted(known)}")
    data = cfg.to_dict(mask_secrets=True)
    if args.json:
        print(json.dumps({"config": data, "problems": problems}, indent=2, default=str))
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            print(f"{key:<{width}}  {value}")
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
    return 1 if problems else 0


def _demo(args: argparse.Namespace) -> int:
    from mcp_llm_trace.demo import run_demo

    if args.serve_seconds is not None and args.metrics_port is None:
        print("mcp-llm-trace demo: --serve-seconds needs --metrics-port", file=sys.stderr)
        return 2
    return run_demo(
        exporter=args.exporter,
        out=args.out,
        spans=args.spans,
        seed=args.seed,
        quiet=args.quiet,
        federate=not args.no_federation,
        price_sync=not args.no_price_sync,
        metrics_port=args.metrics_port,
        serve_seconds=args.serve_seconds,
        rps=args.rps,
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range 0-65535: {port}")
    return port


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0: {text}")
    return value


def _optional(register: Callable[[Any], None] | None, target: Any) -> None:
    if register is not None:
        register(target)


def _load(module: str, name: str) -> Callable[[Any], None] | None:
    """A sub-command registrar from a module that may not be installed (extras)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    parser = argparse.ArgumentParser(
        prog="mcp-llm-trace",
        description="OpenTelemetry observability for LLM apps and MCP gateways.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the offline instrumented gateway demo")
    demo.add_argument(
        "--exporter", default="file", help="file (default), phoenix, otlp, console, … (comma list)"
    )
    demo.add_argument("--out", default="./traces", help="directory for the file exporter")
    demo.add_argument("--spans", type=int, default=600, help="approximate span count")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--no-federation", action="store_true", help="skip the peer-gateway subprocess"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument(
        "--no-price-sync",
        action="store_true",
        help="with --exporter phoenix: do not push our prices into Phoenix first",
    )
    demo.add_argument(
        "--metrics-port",
        type=_port,
        default=None,
        metavar="N",
        help="also serve Prometheus metrics on port N (0 = any free port) and keep serving "
        "after the workload (Ctrl-C to stop); see docs/backends/prometheus-grafana.md",
    )
    demo.add_argument(
        "--serve-seconds",
        type=_positive_float,
        default=None,
        metavar="S",
        help="with --metrics-port: stop serving after S seconds instead of at Ctrl-C",
    )
    demo.add_argument(
        "--rps",
        type=_positive_float,
        default=None,
        metavar="N",
        help="pace the workload to N gateway requests per second (default: no pacing)",
    )
    demo.set_defaults(func=_demo)

    config = sub.add_parser("config", help="configuration tools")
    csub = config.add_subparsers(dest="config_command", required=True)
    check = csub.add_parser("check", help="print the effective config; exit 1 on problems")
    check.add_argument("--file", default=None, help="YAML file (default: $OTEL_CONFIG_FILE)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=_config_check)

    from mcp_llm_trace.pricing.cli import add_pricing_commands, add_tokens_commands

    add_tokens_commands(sub)
    psub = add_pricing_commands(sub)
    _optional(_load("mcp_llm_trace.integrations.phoenix.cli", "add_sync_phoenix_command"), psub)

    _optional(_load("mcp_llm_trace.privacy.cli", "add_scrub_command"), sub)

    phoenix = sub.add_parser("phoenix", help="local Phoenix server")
    phsub = phoenix.add_subparsers(dest="phoenix_command", required=True)
    _optional(_load("mcp_llm_trace.integrations.phoenix.cli", "add_phoenix_commands"), phsub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcp-llm-trace`` console script."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
