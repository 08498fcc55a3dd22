"""summarize_drops and install_shutdown_hooks (atexit + chained SIGTERM, in subprocesses)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from mcp_llm_trace._internal.shutdown import summarize_drops
from mcp_llm_trace._internal.stats import TelemetryStats

REPO = Path(__file__).resolve().parents[2]


def test_summary_lists_reasons_biggest_first_with_hints() -> None:
    stats = TelemetryStats()
    assert summarize_drops(stats.snapshot()) is None
    stats.drop("spool_full", 2)
    stats.drop("queue_full", 40)
    stats.drop("attribute_limit", 3)
    line = summarize_drops(stats.snapshot())
    assert line is not None
    assert "dropped 42 span(s): queue_full=40, spool_full=2" in line
    assert "max_queue_size" in line
    assert "3 attribute(s)" in line


def run(code: str, *, term: bool) -> subprocess.CompletedProcess[str]:
    if not term:  # no handshake needed; readline() would swallow buffered output
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=20,
            check=False,
        )
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "ready\n" + out, err)


HEADER = """
import signal, sys, time
from mcp_llm_trace._internal.shutdown import install_shutdown_hooks
def shutdown(deadline):
    print(f"shutdown deadline={deadline}", flush=True)
"""


def test_sigterm_runs_shutdown_once_then_default_exit() -> None:
    res = run(
        HEADER
        + """
install_shutdown_hooks(shutdown, 2.5)
print("ready", flush=True)
time.sleep(30)
""",
        term=True,
    )
    assert res.stdout.count("shutdown deadline=2.5") == 1
    assert res.returncode == -signal.SIGTERM


def test_sigterm_chains_to_previous_handler_and_atexit_does_not_rerun() -> None:
    res = run(
        HEADER
        + """
def previous(signum, frame):
    print("previous handler", flush=True)
    sys.exit(3)
signal.signal(signal.SIGTERM, previous)
install_shutdown_hooks(shutdown, 1.0)
print("ready", flush=True)
time.sleep(30)
""",
        term=True,
    )
    assert res.stdout.splitlines()[1:] == ["shutdown deadline=1.0", "previous handler"]
    assert res.returncode == 3


def test_atexit_runs_and_threads_do_not_install_signal_handlers() -> None:
    t0 = time.monotonic()
    res = run(
        HEADER
        + """
import threading
before = signal.getsignal(signal.SIGTERM)
t = threading.Thread(target=install_shutdown_hooks, args=(shutdown, 0.5)); t.start(); t.join()
assert signal.getsignal(signal.SIGTERM) is before
print("ready", flush=True)
""",
        term=False,
    )
    assert res.returncode == 0, res.stderr
    assert "shutdown deadline=0.5" in res.stdout
    assert time.monotonic() - t0 < 20


def test_failing_shutdown_is_logged_not_raised() -> None:
    res = run(
        """
from mcp_llm_trace._internal.shutdown import install_shutdown_hooks
def shutdown(deadline):
    raise RuntimeError("exporter exploded")
run_now = install_shutdown_hooks(shutdown, 1.0)
run_now()
print("ready", flush=True)
""",
        term=False,
    )
    assert res.returncode == 0
    assert "exporter exploded" in res.stderr
