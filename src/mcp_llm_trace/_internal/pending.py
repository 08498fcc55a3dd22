"""Side channel from the caller thread to the export thread: text to count.

When an LLM span ends without provider usage, its handle leaves the text here (a dict
insert, no tokenising on the caller's thread); the enrichment transform pops it by span
id in the export thread and counts tokens (marked estimated). Bounded: the oldest entries
are evicted past ``MAX_ENTRIES`` (a span dropped before export must not leak memory).
The text never becomes a span attribute unless content capture put it there anyway.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from opentelemetry import trace

MAX_ENTRIES = 20_000
_lock = threading.Lock()
_texts: OrderedDict[tuple[int, int], tuple[str, str]] = OrderedDict()


def remember_text(span: trace.Span, input_text: str, output_text: str) -> None:
    """Keep the input/output text of ``span`` for token counting in the export thread."""
    ctx = span.get_span_context()
    if not ctx.trace_flags.sampled:
        return
    with _lock:
        _texts[(ctx.trace_id, ctx.span_id)] = (input_text, output_text)
        while len(_texts) > MAX_ENTRIES:
            _texts.popitem(last=False)


def take_text(trace_id: int, span_id: int) -> tuple[str, str] | None:
    """Pop the text remembered for a span (export thread), or None."""
    if not _texts:  # the common case (usage reported); a len() read is atomic
        return None
    with _lock:
        return _texts.pop((trace_id, span_id), None)
