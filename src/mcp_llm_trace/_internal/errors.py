"""Internal-error policy: telemetry never takes the host process down.

Every public helper, processor and exporter wrapper routes its own failures through
:func:`report_internal_error`. It logs once per *kind* per minute on the
``mcp_llm_trace`` logger, counts the error in the process-wide stats, and swallows it —
except in strict mode (``MCP_LLM_TRACE_STRICT=1``), where it re-raises so that bugs in
telemetry code still fail the test-suite. Strict mode is what ``make test`` uses.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from mcp_llm_trace._internal.stats import STATS

logger = logging.getLogger("mcp_llm_trace")

_LOG_INTERVAL_S = 60.0
_last_logged: dict[str, float] = {}
_lock = threading.Lock()
_strict_override = threading.local()


def strict_mode() -> bool:
    """Whether internal errors re-raise (``MCP_LLM_TRACE_STRICT=1``, unless suspended)."""
    if getattr(_strict_override, "suspended", 0):
        return False
    return os.environ.get("MCP_LLM_TRACE_STRICT", "").strip().lower() in {"1", "true", "yes"}


@contextmanager
def lenient() -> Iterator[None]:
    """Suspend strict mode in this thread (tests that inject failures on purpose)."""
    _strict_override.suspended = getattr(_strict_override, "suspended", 0) + 1
    try:
        yield
    finally:
        _strict_override.suspended -= 1


def warn_once_per_interval(kind: str, message: str, *args: object) -> None:
    """Log ``message`` at WARNING at most once per minute for ``kind``."""
    now = time.monotonic()
    with _lock:
        last = _last_logged.get(kind)
        if last is not None and now - last < _LOG_INTERVAL_S:
            return
        _last_logged[kind] = now
    logger.warning(message, *args)


def report_internal_error(kind: str, exc: BaseException, *, reraise: bool = True) -> None:
    """Count, log (rate-limited) and — in strict mode — re-raise an internal error.

    ``kind`` is a short stable identifier such as ``"span.set_input"``; it is the
    dimension of the ``mcp_llm_trace.internal_errors`` counter.
    """
    STATS.count_internal_error(kind)
    now = time.monotonic()
    with _lock:
        last = _last_logged.get("err:" + kind)
        should_log = last is None or now - last >= _LOG_INTERVAL_S
        if should_log:
            _last_logged["err:" + kind] = now
    if should_log:
        logger.warning(
            "mcp-llm-trace internal error in %s (suppressed; logged once a minute): %r",
            kind,
            exc,
            exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None,
        )
    if reraise and strict_mode():
        raise exc
