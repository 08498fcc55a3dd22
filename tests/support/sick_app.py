"""An app whose telemetry is in trouble, for the alert-rule tests.

It serves Prometheus metrics on ``argv[1]`` and sends spans over OTLP/HTTP to
``argv[2]``, a port nobody listens on, without a spool: the breaker opens and every
span is dropped as ``spool_disabled``. A few seconds in, one call passes a bad token
count, which the SDK contains and counts as an internal error. Runs until terminated.

    python -m tests.support.sick_app METRICS_PORT DEAD_PORT
"""

from __future__ import annotations

import os
import sys
import time

import mcp_llm_trace as mlt


def main(metrics_port: int, dead_port: int) -> None:
    """Configure from the environment as an app would, then emit 20 spans/s forever."""
    os.environ.update(
        {
            "OTEL_METRICS_EXPORTER": "prometheus",
            "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
            "OTEL_TRACES_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{dead_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_BSP_EXPORT_TIMEOUT": "1000",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "500",  # ms: the retry loop gives up fast
        }
    )
    os.environ.pop("MCP_LLM_TRACE_SPOOL_DIR", None)
    # Production behaviour: contain the error (the test-suite's strict mode re-raises).
    os.environ["MCP_LLM_TRACE_STRICT"] = "0"
    mlt.configure()
    print("serving", flush=True)
    started = time.monotonic()
    bad_usage_sent = False
    while True:
        with mlt.using_attributes(tenant_id="initech", user_id="peter"):
            with mlt.llm_span("gpt-4o-mini", provider="openai") as span:
                if not bad_usage_sent and time.monotonic() - started > 5:
                    span.set_usage(input_tokens="many", output_tokens=1)  # type: ignore[arg-type]
                    bad_usage_sent = True
                else:
                    span.set_usage(input_tokens=40, output_tokens=8)
        time.sleep(0.05)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
