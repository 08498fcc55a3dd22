"""Generate ``dashboards/grafana/mcp-llm-trace.json`` (the Grafana dashboard).

The panels are data below; the JSON is written from them so that every PromQL
expression has one source. A test checks that the committed JSON matches this script
(``python scripts/gen_dashboard.py --check``) and runs every expression against a real
Prometheus scraping the demo (tests/integration/test_prometheus_server.py).

Metric names are the OTel → Prometheus names of the SDK's instruments
(``mcp_llm_trace.requests`` → ``mcp_llm_trace_requests_total``, attribute ``tenant.id``
→ label ``tenant_id``). ``job`` is the service: name the scrape job after the service
(an OTel Collector's Prometheus exporter sets ``job`` from ``service.name`` itself).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "dashboards" / "grafana" / "mcp-llm-trace.json"

SVC = 'job=~"$service"'
TEN = 'tenant_id=~"$tenant"'
MOD = 'gen_ai_request_model=~"$model"'
RI = "$__rate_interval"


def _q(quantile: str, metric: str, sel: str) -> dict[str, str]:
    return {
        "expr": f"histogram_quantile({quantile}, "
        f"sum by (le) (rate({metric}_bucket{{{sel}}}[{RI}])))",
        "legend": f"p{quantile[2:].ljust(2, '0')}",
    }


def _quantiles(metric: str, sel: str) -> list[dict[str, str]]:
    return [_q(q, metric, sel) for q in ("0.50", "0.95", "0.99")]


# (row title, [panel]); panel: title, type, unit, description, targets [{expr, legend}]
ROWS: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "Traffic by tenant and user",
        [
            {
                "title": "Requests/s by tenant",
                "type": "timeseries",
                "unit": "reqps",
                "description": "LLM, embedding and MCP operations per second "
                "(mcp_llm_trace.requests), by tenant.id.",
                "targets": [
                    {
                        "expr": "sum by (tenant_id) "
                        f"(rate(mcp_llm_trace_requests_total{{{SVC},{TEN}}}[{RI}]))",
                        "legend": "{{tenant_id}}",
                    }
                ],
            },
            {
                "title": "Requests/s by user (top 10)",
                "type": "timeseries",
                "unit": "reqps",
                "description": "The ten busiest users; peak periods show as spikes.",
                "targets": [
                    {
                        "expr": "topk(10, sum by (tenant_id, user_id) "
                        f"(rate(mcp_llm_trace_requests_total{{{SVC},{TEN}}}[{RI}])))",
                        "legend": "{{tenant_id}}/{{user_id}}",
                    }
                ],
            },
            {
                "title": "Quota utilization",
                "type": "bargauge",
                "unit": "percent",
                "description": "Share of each pricing.budgets budget used in its current "
                "day/month window (per process: one replica's view).",
                "thresholds": [80, 100],
                "targets": [
                    {
                        "expr": "100 * max by (quota_scope, quota_id) "
                        f"(mcp_llm_trace_quota_utilization{{{SVC}}})",
                        "legend": "{{quota_scope}} {{quota_id}}",
                    }
                ],
            },
        ],
    ),
    (
        "Tokens and cost",
        [
            {
                "title": "Tokens/s by model",
                "type": "timeseries",
                "unit": "short",
                "description": "gen_ai.client.token.usage summed per second, input and output.",
                "targets": [
                    {
                        "expr": "sum by (gen_ai_request_model, gen_ai_token_type) "
                        f"(rate(gen_ai_client_token_usage_sum{{{SVC},{TEN},{MOD}}}[{RI}]))",
                        "legend": "{{gen_ai_request_model}} {{gen_ai_token_type}}",
                    }
                ],
            },
            {
                "title": "Tokens/s by tenant",
                "type": "timeseries",
                "unit": "short",
                "description": "Token consumption rate per tenant.",
                "targets": [
                    {
                        "expr": "sum by (tenant_id) "
                        f"(rate(gen_ai_client_token_usage_sum{{{SVC},{TEN},{MOD}}}[{RI}]))",
                        "legend": "{{tenant_id}}",
                    }
                ],
            },
            {
                "title": "Cost per tenant, last hour (USD)",
                "type": "timeseries",
                "unit": "currencyUSD",
                "description": "mcp_llm_trace.cost added in the trailing hour, per tenant.",
                "targets": [
                    {
                        "expr": "sum by (tenant_id) "
                        f"(increase(mcp_llm_trace_cost_USD_total{{{SVC},{TEN},{MOD}}}[1h]))",
                        "legend": "{{tenant_id}}",
                    }
                ],
            },
            {
                "title": "Cost per tenant, last 24 h (USD)",
                "type": "bargauge",
                "unit": "currencyUSD",
                "description": "mcp_llm_trace.cost added in the trailing day, per tenant.",
                "targets": [
                    {
                        "expr": "sum by (tenant_id) "
                        f"(increase(mcp_llm_trace_cost_USD_total{{{SVC},{TEN},{MOD}}}[1d]))",
                        "legend": "{{tenant_id}}",
                    }
                ],
            },
        ],
    ),
    (
        "Latency",
        [
            {
                "title": "LLM operation duration",
                "type": "timeseries",
                "unit": "s",
                "description": "gen_ai.client.operation.duration p50/p95/p99.",
                "targets": _quantiles(
                    "gen_ai_client_operation_duration_seconds", f"{SVC},{TEN},{MOD}"
                ),
            },
            {
                "title": "Time to first chunk",
                "type": "timeseries",
                "unit": "s",
                "description": "gen_ai.client.operation.time_to_first_chunk (streamed "
                "calls) p50/p95/p99.",
                "targets": _quantiles(
                    "gen_ai_client_operation_time_to_first_chunk_seconds", f"{SVC},{TEN},{MOD}"
                ),
            },
            {
                "title": "MCP server operation duration",
                "type": "timeseries",
                "unit": "s",
                "description": "mcp.server.operation.duration p50/p95/p99.",
                "targets": _quantiles("mcp_server_operation_duration_seconds", f"{SVC},{TEN}"),
            },
            {
                "title": "MCP client operation duration",
                "type": "timeseries",
                "unit": "s",
                "description": "mcp.client.operation.duration p50/p95/p99 (calls to "
                "other MCP servers / federated gateways).",
                "targets": _quantiles("mcp_client_operation_duration_seconds", f"{SVC},{TEN}"),
            },
        ],
    ),
    (
        "Tools, errors, retries, cache",
        [
            {
                "title": "Tool invocations/s by tool",
                "type": "timeseries",
                "unit": "ops",
                "description": "mcp_llm_trace.tool.invocations per second.",
                "targets": [
                    {
                        "expr": "sum by (gen_ai_tool_name) "
                        f"(rate(mcp_llm_trace_tool_invocations_total{{{SVC},{TEN}}}[{RI}]))",
                        "legend": "{{gen_ai_tool_name}}",
                    }
                ],
            },
            {
                "title": "Tool errors/s by tool",
                "type": "timeseries",
                "unit": "ops",
                "description": "mcp_llm_trace.tool.errors per second, by tool and error.type.",
                "targets": [
                    {
                        "expr": "sum by (gen_ai_tool_name, error_type) "
                        f"(rate(mcp_llm_trace_tool_errors_total{{{SVC},{TEN}}}[{RI}]))",
                        "legend": "{{gen_ai_tool_name}} {{error_type}}",
                    }
                ],
            },
            {
                "title": "Error rate",
                "type": "timeseries",
                "unit": "percent",
                "description": "Failed operations (error.type set) as a share of all "
                "LLM/MCP operations, and failed tool invocations as a share of all.",
                "targets": [
                    {
                        "expr": "100 * (sum(rate(mcp_llm_trace_requests_total"
                        f'{{{SVC},{TEN},error_type!=""}}[{RI}])) or 0 * sum(rate('
                        f"mcp_llm_trace_requests_total{{{SVC},{TEN}}}[{RI}]))) / "
                        f"sum(rate(mcp_llm_trace_requests_total{{{SVC},{TEN}}}[{RI}]))",
                        "legend": "operations",
                    },
                    {
                        "expr": "100 * (sum(rate(mcp_llm_trace_tool_errors_total"
                        f"{{{SVC},{TEN}}}[{RI}])) or 0 * sum(rate("
                        f"mcp_llm_trace_tool_invocations_total{{{SVC},{TEN}}}[{RI}]))) / "
                        f"sum(rate(mcp_llm_trace_tool_invocations_total{{{SVC},{TEN}}}[{RI}]))",
                        "legend": "tool invocations",
                    },
                ],
            },
            {
                "title": "Retries/s",
                "type": "timeseries",
                "unit": "ops",
                "description": "mcp_llm_trace.retries (record_retry) per second, by tool and "
                "error.type.",
                "targets": [
                    {
                        "expr": "sum by (gen_ai_tool_name, error_type) "
                        f"(rate(mcp_llm_trace_retries_total{{{SVC}}}[{RI}]))",
                        "legend": "{{gen_ai_tool_name}} {{error_type}}",
                    }
                ],
            },
            {
                "title": "Cache hit ratio",
                "type": "timeseries",
                "unit": "percentunit",
                "description": "Hits ÷ lookups per cache (record_cache).",
                "targets": [
                    {
                        "expr": "sum by (mcp_llm_trace_cache_name) (rate("
                        f'mcp_llm_trace_cache_requests_total{{{SVC},mcp_llm_trace_cache_hit="true"}}'
                        f"[{RI}])) / sum by (mcp_llm_trace_cache_name) (rate("
                        f"mcp_llm_trace_cache_requests_total{{{SVC}}}[{RI}]))",
                        "legend": "{{mcp_llm_trace_cache_name}}",
                    }
                ],
            },
        ],
    ),
    (
        "Telemetry pipeline health",
        [
            {
                "title": "Exporter circuit breaker",
                "type": "stat",
                "unit": "none",
                "description": "Per exporter: 0 closed (healthy), 1 half-open (probing), "
                "2 open (destination failing; spans go to the spool).",
                "thresholds": [1, 2],
                "mappings": {"0": "closed", "1": "half-open", "2": "open"},
                "targets": [
                    {
                        "expr": "max by (exporter) "
                        f"(mcp_llm_trace_export_circuit_breaker_state{{{SVC}}})",
                        "legend": "{{exporter}}",
                    }
                ],
            },
            {
                "title": "Spans dropped by reason",
                "type": "timeseries",
                "unit": "short",
                "description": "Spans lost in the last 5 min, by reason (queue_full, "
                "spool_full, spool_disabled, export_failed, shutdown, …). Should be 0.",
                "targets": [
                    {
                        "expr": "sum by (reason) "
                        f"(increase(mcp_llm_trace_spans_dropped_total{{{SVC}}}[5m]))",
                        "legend": "{{reason}}",
                    }
                ],
            },
            {
                "title": "Spans exported, spooled, replayed /s",
                "type": "timeseries",
                "unit": "short",
                "description": "Export throughput; spooled > 0 during an outage, replayed "
                "after it.",
                "targets": [
                    {
                        "expr": f"sum(rate(mcp_llm_trace_spans_exported_total{{{SVC}}}[{RI}]))",
                        "legend": "exported",
                    },
                    {
                        "expr": f"sum(rate(mcp_llm_trace_spans_spooled_total{{{SVC}}}[{RI}]))",
                        "legend": "spooled",
                    },
                    {
                        "expr": f"sum(rate(mcp_llm_trace_spans_replayed_total{{{SVC}}}[{RI}]))",
                        "legend": "replayed",
                    },
                ],
            },
            {
                "title": "Spool depth",
                "type": "timeseries",
                "unit": "percentunit",
                "description": "Disk spool usage ÷ its cap (export.spool_max_mb) per "
                "exporter; the oldest batches are evicted (spool_full) at 100 %.",
                "targets": [
                    {
                        "expr": "max by (exporter) "
                        f"(mcp_llm_trace_export_spool_usage_bytes{{{SVC}}}"
                        f" / mcp_llm_trace_export_spool_limit_bytes{{{SVC}}})",
                        "legend": "{{exporter}}",
                    },
                ],
            },
            {
                "title": "Export queue depth",
                "type": "timeseries",
                "unit": "short",
                "description": "Spans waiting in the in-memory export queue.",
                "targets": [
                    {
                        "expr": f"sum by (instance) (mcp_llm_trace_export_queue_depth{{{SVC}}})",
                        "legend": "{{instance}}",
                    }
                ],
            },
        ],
    ),
]

VARIABLES: list[dict[str, str]] = [
    {"name": "service", "label": "Service (job)", "query": "label_values(target_info, job)"},
    {
        "name": "tenant",
        "label": "Tenant",
        "query": 'label_values(mcp_llm_trace_requests_total{job=~"$service"}, tenant_id)',
    },
    {
        "name": "model",
        "label": "Model",
        "query": "label_values(gen_ai_client_operation_duration_seconds_count"
        '{job=~"$service"}, gen_ai_request_model)',
    },
]

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def _panel(p: dict[str, Any], pid: int, x: int, y: int, w: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": p["unit"]}
    if "thresholds" in p:
        steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
        for value, color in zip(p["thresholds"], ("orange", "red"), strict=False):
            steps.append({"color": color, "value": value})
        defaults["thresholds"] = {"mode": "absolute", "steps": steps}
    if "mappings" in p:
        defaults["mappings"] = [
            {"type": "value", "options": {k: {"text": v} for k, v in p["mappings"].items()}}
        ]
    return {
        "id": pid,
        "type": p["type"],
        "title": p["title"],
        "description": p["description"],
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": w, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}}
        if p["type"] == "timeseries"
        else {},
        "targets": [
            {
                "datasource": DATASOURCE,
                "expr": t["expr"],
                "legendFormat": t["legend"],
                "refId": chr(ord("A") + i),
            }
            for i, t in enumerate(p["targets"])
        ],
    }


def build() -> dict[str, Any]:
    """The dashboard as a dict (Grafana JSON model, schemaVersion 39)."""
    panels: list[dict[str, Any]] = []
    pid = 1
    y = 0
    for title, row in ROWS:
        panels.append(
            {
                "id": pid,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        pid += 1
        y += 1
        per_line = 3 if len(row) % 3 == 0 or len(row) > 4 else 2
        w = 24 // per_line
        for i, p in enumerate(row):
            panels.append(_panel(p, pid, (i % per_line) * w, y + (i // per_line) * 8, w))
            pid += 1
        y += 8 * ((len(row) + per_line - 1) // per_line)
    templating: list[dict[str, Any]] = [
        {
            "name": "datasource",
            "label": "Prometheus",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        }
    ]
    for v in VARIABLES:
        templating.append(
            {
                "name": v["name"],
                "label": v["label"],
                "type": "query",
                "datasource": DATASOURCE,
                "query": {"query": v["query"], "refId": "PrometheusVariableQueryEditor"},
                "definition": v["query"],
                "refresh": 2,
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
                "sort": 1,
                "hide": 0,
            }
        )
    return {
        "uid": "mcp-llm-trace",
        "title": "mcp-llm-trace: LLM and MCP gateway",
        "description": "Requests, tokens, cost, quotas, latency, tools and the telemetry "
        "pipeline's own health, from mcp-llm-trace's Prometheus metrics.",
        "tags": ["mcp-llm-trace", "llm", "mcp", "opentelemetry"],
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "timezone": "browser",
        "templating": {"list": templating},
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def render() -> str:
    """The JSON text written to :data:`OUT`."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the dashboard, or with ``--check`` exit 1 when the file is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python scripts/gen_dashboard.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
