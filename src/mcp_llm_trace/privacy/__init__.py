"""PII and secret scrubbing before export.

Public: :class:`Scrubber` (``from_config``, ``scrub_text``, ``scrub_value``, ``analyze``),
:class:`ScrubTransform` (the export-path span transform), :class:`ScrubbingLogExporter`
and :func:`scrub_log_record` (log export). Importing this package does not import
Presidio or spaCy; they load on first use, in the export thread.
"""

from __future__ import annotations

from mcp_llm_trace.privacy.logs import ScrubbingLogExporter, scrub_log_record
from mcp_llm_trace.privacy.scrubber import (
    SCRUB_FAILED_TEXT,
    Scrubber,
    ScrubBudgetExceeded,
    ScrubReport,
)
from mcp_llm_trace.privacy.transform import ScrubTransform

__all__ = [
    "SCRUB_FAILED_TEXT",
    "ScrubBudgetExceeded",
    "ScrubReport",
    "ScrubTransform",
    "Scrubber",
    "ScrubbingLogExporter",
    "scrub_log_record",
]
