"""Per-span content budget (``capture.max_span_bytes``), applied in the export thread.

When the string attributes of a span add up to more than the budget, content values are
trimmed — flattened message contents first, then the JSON message arrays, input/output
values and documents — until it fits. Model, usage, cost and ids are never touched. A
trimmed span carries ``mcp_llm_trace.content.trimmed = true``.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan

from mcp_llm_trace import semconv as sc
from mcp_llm_trace._internal.spancopy import copy_span

_MARK = "…[trimmed]"


def _priority(key: str) -> int | None:
    """Lower = trimmed first; None = never trimmed."""
    if key.endswith((".message.content", ".document.content")):
        return 0
    if key in (sc.GEN_AI_INPUT_MESSAGES, sc.GEN_AI_OUTPUT_MESSAGES, sc.GEN_AI_RETRIEVAL_DOCUMENTS):
        return 1
    if key in sc.CONTENT_KEYS or key.endswith(".embedding.text"):
        return 2
    return None


def _size(text: str) -> int:
    """UTF-8 size in bytes (``len`` for ASCII, the common case, without encoding)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))


class SizeBudgetTransform:
    """Trims content attributes of spans larger than ``max_bytes``."""

    name = "size_budget"

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Return spans, trimming the oversized ones."""
        return [self._fit(s) for s in spans]

    def _fit(self, span: ReadableSpan) -> ReadableSpan:
        attrs = span.attributes or {}
        total = 0
        for v in attrs.values():
            if isinstance(v, str):
                total += _size(v)
        if total <= self.max_bytes:
            return span
        new = dict(attrs)
        excess = total - self.max_bytes
        candidates = sorted(
            (p, k) for k, v in new.items() if isinstance(v, str) and (p := _priority(k)) is not None
        )
        # Longest first within a priority class, so short messages survive.
        for _, key in sorted(candidates, key=lambda pk: (pk[0], -len(str(new.get(pk[1]))))):
            if excess <= 0:
                break
            value = str(new[key])
            size = _size(value)
            # Characters are at most 4 bytes: cut by bytes, then drop a split character.
            keep = max(0, size - excess - len(_MARK.encode()))
            cut = value.encode("utf-8", "replace")[:keep].decode("utf-8", "ignore")
            trimmed = cut + _MARK
            new[key] = trimmed
            excess -= size - _size(trimmed)
        new[sc.CONTENT_TRIMMED] = True
        return copy_span(span, attributes=new)
