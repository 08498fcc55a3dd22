"""Process-exit handling: one drop summary, and a shutdown that runs on exit or SIGTERM.

``install_shutdown_hooks(shutdown, deadline_s)`` registers ``shutdown`` with ``atexit``
(always) and, when called from the main thread, chains a SIGTERM handler in front of
whatever handler was there (so gunicorn/uvicorn/k8s semantics are kept: after our
flush, the previous handler runs; with the default handler the process still exits
with the SIGTERM status). ``shutdown`` runs at most once, bounded by ``deadline_s``
(it is given the deadline; a hung exporter cannot keep the process alive forever).

``summarize_drops(stats)`` formats the single warning logged at shutdown when spans
were lost, e.g. ``"mcp-llm-trace dropped 42 span(s): queue_full=40, spool_full=2"``.
"""

from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

logger = logging.getLogger("mcp_llm_trace")

__all__ = ["install_shutdown_hooks", "summarize_drops"]

_DROP_HINTS = {
    "queue_full": "raise batch.max_queue_size or lower the span rate",
    "spool_full": "raise export.spool.max_mb or fix the destination",
    "spool_disabled": "set export.spool.dir to keep batches during outages",
    "export_failed": "the destination rejected batches; check its logs and auth",
    "spool_corrupt": "corrupt spool files were quarantined as *.corrupt",
    "shutdown": "raise the shutdown deadline",
}


def summarize_drops(stats_snapshot: Mapping[str, Any]) -> str | None:
    """One line describing dropped spans by reason, or ``None`` when nothing was lost.

    ``attribute_limit`` (attributes, not spans) is listed separately.
    """
    dropped = dict(stats_snapshot.get("dropped") or {})
    attrs = int(dropped.pop("attribute_limit", 0) or 0)
    spans = {k: int(v) for k, v in dropped.items() if v}
    if not spans and not attrs:
        return None
    parts = []
    if spans:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(spans.items(), key=lambda kv: -kv[1]))
        hints = "; ".join(_DROP_HINTS[k] for k in sorted(spans) if k in _DROP_HINTS)
        parts.append(
            f"dropped {sum(spans.values())} span(s): {reasons}" + (f" ({hints})" if hints else "")
        )
    if attrs:
        parts.append(f"dropped {attrs} attribute(s) over limits")
    return "mcp-llm-trace " + "; ".join(parts)


_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None


def install_shutdown_hooks(
    shutdown_callable: Callable[[float], Any], deadline_s: float
) -> Callable[[], None]:
    """Run ``shutdown_callable(deadline_s)`` once at interpreter exit or on SIGTERM.

    Returns a function that runs the same once-only shutdown (for explicit use).
    Signal handlers are installed only from the main thread; ``atexit`` always.
    Never raises.
    """
    lock = threading.Lock()
    done = False

    def run_once() -> None:
        nonlocal done
        with lock:
            if done:
                return
            done = True
        try:
            shutdown_callable(deadline_s)
        except Exception as exc:  # exiting anyway: log, never raise from atexit/signal
            logger.warning("mcp-llm-trace shutdown failed: %r", exc)

    atexit.register(run_once)
    if threading.current_thread() is threading.main_thread():
        try:
            previous: _Handler = signal.getsignal(signal.SIGTERM)

            def on_sigterm(signum: int, frame: FrameType | None) -> None:
                run_once()
                if callable(previous):
                    previous(signum, frame)
                elif previous == signal.SIG_IGN:
                    return
                else:  # default action: terminate with the SIGTERM status
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    os.kill(os.getpid(), signal.SIGTERM)

            signal.signal(signal.SIGTERM, on_sigterm)
        except (ValueError, OSError, AttributeError) as exc:  # embedded interpreters
            logger.debug("mcp-llm-trace: SIGTERM hook not installed: %r", exc)
    return run_once
