"""Command-line parts for Phoenix: ``phoenix serve`` and ``pricing sync-phoenix``.

``mcp_llm_trace.cli`` calls :func:`add_phoenix_commands` with the ``phoenix``
sub-parsers and :func:`add_sync_phoenix_command` with the ``pricing`` sub-parsers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["add_phoenix_commands", "add_sync_phoenix_command"]

# Shared with the Makefile and scripts/phoenix-venv.sh (a build-tool variable, not a
# telemetry setting): where the separate Phoenix *server* virtualenv lives.
_VENV_ENV = "PHOENIX_VENV"


def add_phoenix_commands(subparsers: Any) -> None:
    """Register ``phoenix serve`` on the ``phoenix`` sub-command's sub-parsers."""
    serve = subparsers.add_parser(
        "serve",
        help="start a local Phoenix server (offline, 127.0.0.1) from its own virtualenv",
        description="Start Arize Phoenix from the virtualenv made by scripts/phoenix-venv.sh "
        "(`make phoenix-venv`), wait until it is ready, push our prices into it and keep "
        "it running until Ctrl-C.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=6006, help="UI + OTLP/HTTP port (6006)")
    serve.add_argument(
        "--grpc-port",
        type=int,
        default=4317,
        help="OTLP/gRPC port (4317; a free one is used if it is taken)",
    )
    serve.add_argument(
        "--working-dir", default=None, help="database and log directory (default ~/.phoenix)"
    )
    serve.add_argument(
        "--temp", action="store_true", help="use a throw-away working directory (deleted on exit)"
    )
    serve.add_argument(
        "--venv",
        default=None,
        help="Phoenix server virtualenv (default $PHOENIX_VENV or .venv-phoenix)",
    )
    serve.add_argument(
        "--no-sync-prices",
        action="store_true",
        help="do not push our price table into Phoenix after start",
    )
    serve.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for ready")
    serve.set_defaults(func=_serve)


def add_sync_phoenix_command(subparsers: Any) -> None:
    """Register ``sync-phoenix`` on the ``pricing`` sub-command's sub-parsers."""
    sync = subparsers.add_parser(
        "sync-phoenix",
        help="push our price table into Phoenix (custom model prices via GraphQL)",
        description="Phoenix computes span cost itself from its own price list and ignores "
        "llm.cost.*. This creates/updates one Phoenix custom model per price entry so the "
        "cost shown in Phoenix equals ours. Phoenix prices spans when it receives them: "
        "sync before sending spans (the command waits for Phoenix to load the prices).",
    )
    sync.add_argument(
        "--endpoint",
        default=None,
        help="Phoenix URL (default: config phoenix.endpoint / PHOENIX_COLLECTOR_ENDPOINT)",
    )
    sync.add_argument(
        "--project",
        default=None,
        help="after the sync, print Phoenix's cost summary of this project",
    )
    sync.add_argument(
        "--models",
        nargs="+",
        default=None,
        metavar="MODEL",
        help="only these models (gpt-4o, openai:gpt-4o); default: whole table",
    )
    sync.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wait until Phoenix has reloaded its prices (default: wait)",
    )
    sync.add_argument("--dry-run", action="store_true", help="show what would change")
    sync.add_argument("--json", action="store_true", help="machine-readable result")
    sync.add_argument("--config", default=None, help="YAML config file (pricing.files …)")
    sync.set_defaults(func=_sync)


def _sync(args: argparse.Namespace) -> int:
    from mcp_llm_trace.config import load_config
    from mcp_llm_trace.integrations.phoenix.graphql import (
        PhoenixGraphQLError,
        base_url,
        project_cost_summary,
    )
    from mcp_llm_trace.integrations.phoenix.sync import sync_prices_to_phoenix
    from mcp_llm_trace.pricing import get_price_table, use_price_files

    cfg = load_config(args.config)
    use_price_files(cfg.pricing.files)
    endpoint = base_url(args.endpoint or cfg.phoenix.endpoint)
    try:
        result = sync_prices_to_phoenix(
            endpoint,
            api_key=cfg.phoenix.api_key,
            models=args.models,
            table=get_price_table(),
            wait=args.wait,
            dry_run=args.dry_run,
        )
        summary = (
            project_cost_summary(endpoint, args.project, api_key=cfg.phoenix.api_key)
            if args.project
            else None
        )
    except (PhoenixGraphQLError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        data: dict[str, Any] = dict(vars(result))
        data["endpoint"] = endpoint
        data["project_cost_summary"] = summary
        print(json.dumps(data, indent=2))
    else:
        print(f"{endpoint}: {result.summary()}")
        for name, note in result.notes:
            print(f"  note: {name}: {note}")
        for name, reason in [*result.skipped, *result.failed]:
            print(f"  {name}: {reason}", file=sys.stderr)
        if summary is not None:
            total = summary["total"]
            print(
                f"project {args.project!r} in Phoenix: cost ${total['cost']:.6f}, "
                f"{int(total['tokens'])} tokens"
            )
    return 1 if result.failed else 0


def _serve(args: argparse.Namespace) -> int:
    from mcp_llm_trace.integrations.phoenix.server import (
        PhoenixNotInstalledError,
        PhoenixStartError,
        free_port,
        is_phoenix_ready,
        launch_phoenix,
        port_is_free,
    )

    url_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{url_host}:{args.port}"
    if not port_is_free(args.port, args.host):
        if is_phoenix_ready(url):
            print(f"Phoenix is already running at {url}")
            return 0
        print(f"error: port {args.port} is in use (try --port)", file=sys.stderr)
        return 1
    grpc_port = args.grpc_port
    if not port_is_free(grpc_port, args.host):
        grpc_port = free_port(args.host)
    if args.temp:
        import tempfile

        working_dir = Path(tempfile.mkdtemp(prefix="phoenix-"))
    else:
        working_dir = Path(args.working_dir or Path.home() / ".phoenix").expanduser()
    try:
        server = launch_phoenix(
            venv=args.venv or os.environ.get(_VENV_ENV),
            host=args.host,
            port=args.port,
            grpc_port=grpc_port,
            working_dir=working_dir,
        )
    except PhoenixNotInstalledError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _stop_on_signals()
    print(
        f"Starting Phoenix (offline, {args.host}) — data in {working_dir}, log {server.log_path} …",
        flush=True,
    )
    try:
        waited = server.wait_ready(args.timeout)
        print(
            f"Phoenix is ready after {waited:.0f} s: {server.url}\n"
            f"  OTLP/HTTP {server.traces_endpoint}   OTLP/gRPC {args.host}:{grpc_port}\n"
            f"  send spans: export PHOENIX_COLLECTOR_ENDPOINT={server.url}; "
            "mcp-llm-trace demo --exporter phoenix",
            flush=True,
        )
        if not args.no_sync_prices:
            _serve_sync(server.url)
        print("Press Ctrl-C to stop.", flush=True)
        while server.running():
            time.sleep(0.5)
        print(
            f"Phoenix exited with code {server.process.returncode}; log:\n{server.log_tail()}",
            file=sys.stderr,
        )
        return 1
    except PhoenixStartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping Phoenix …", flush=True)
        return 0
    finally:
        server.stop()
        if args.temp:
            import shutil

            shutil.rmtree(working_dir, ignore_errors=True)


def _stop_on_signals() -> None:
    """SIGTERM/SIGHUP stop the server too: it runs in its own session, so only we can."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, interrupt)


def _serve_sync(url: str) -> None:
    from mcp_llm_trace.config import load_config
    from mcp_llm_trace.integrations.phoenix.graphql import PhoenixGraphQLError
    from mcp_llm_trace.integrations.phoenix.sync import sync_prices_to_phoenix
    from mcp_llm_trace.pricing import get_price_table, use_price_files

    print("Pushing our price table into Phoenix so its costs match ours …", flush=True)
    use_price_files(load_config().pricing.files)
    try:
        result = sync_prices_to_phoenix(url, table=get_price_table(), wait=True)
    except PhoenixGraphQLError as exc:
        print(
            f"warning: price sync failed ({exc}); run `mcp-llm-trace pricing sync-phoenix`",
            file=sys.stderr,
        )
        return
    print(f"  {result.summary()}", flush=True)
