"""Import hygiene: ``import mcp_llm_trace`` loads no heavy extra and opens no connection."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("presidio_analyzer", "tiktoken", "grpc", "phoenix", "spacy")

_PROBE = r"""
import json, socket, sys

attempts = []

def deny(*args, **kwargs):
    attempts.append(repr(args[1:] if args else kwargs))
    raise OSError("network disabled by test_imports")

socket.socket.connect = deny
socket.socket.connect_ex = deny
socket.create_connection = deny
socket.getaddrinfo = deny

import mcp_llm_trace as mlt
after_import = sorted(m for m in HEAVY if m in sys.modules)

# configuring an offline exporter and using the helpers must not connect either
tel = mlt.configure(traces_exporter="memory", metrics_exporter="memory",
                    batch_schedule_delay_s="10ms")
with mlt.using_attributes(user_id="u"), mlt.tool_span("t"), mlt.create_span("c"):
    headers = mlt.inject_context({})
tel.force_flush(5.0)
tel.shutdown()
print(json.dumps({"heavy": after_import, "attempts": attempts,
                  "spans": len(tel.memory_exporter.get_finished_spans())}))
"""


def test_import_is_light_and_offline() -> None:
    code = f"HEAVY = {HEAVY!r}\n" + _PROBE
    env = {"PATH": "/usr/bin:/bin", "MCP_LLM_TRACE_STRICT": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["heavy"] == [], result
    assert result["attempts"] == []
    assert result["spans"] == 2
