"""Custom span processing: your own SDK span processors and export-thread enrichers.

Two extension points:

* :func:`add_span_processor` — any OpenTelemetry SDK ``SpanProcessor`` (``on_start`` /
  ``on_end`` on the caller's thread), added to the provider ``configure()`` set up.
  Called before ``configure()``, it is queued and attached when ``configure()`` runs.
* :class:`SpanEnricher` + :func:`add_span_enricher` — "enrich on end": ended SDK spans are
  read-only, so an enricher returns the attributes to add and the export pipeline builds
  the enriched copy in the export thread, after cost enrichment and *before* scrubbing
  (whatever it adds is scrubbed too). Nothing runs on the caller's thread.

Example::

    import mcp_llm_trace as mlt
    from mcp_llm_trace.processors import SpanEnricher

    class TeamEnricher(SpanEnricher):
        name = "team"

        def enrich(self, span):
            if span.attributes.get("gen_ai.operation.name") == "chat":
                return {"app.team": "search"}
            return None

    mlt.add_span_enricher(TeamEnricher())       # or configure(transforms=[TeamEnricher()])
    tel = mlt.configure()
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.util.types import AttributeValue

from mcp_llm_trace._internal.errors import report_internal_error
from mcp_llm_trace._internal.spancopy import with_attributes

if TYPE_CHECKING:
    from mcp_llm_trace.export.pipeline import SpanTransform
    from mcp_llm_trace.setup import Telemetry

__all__ = ["SpanEnricher", "add_span_enricher", "add_span_processor"]

_LOCK = threading.Lock()
_QUEUED_PROCESSORS: list[SpanProcessor] = []
_QUEUED_ENRICHERS: list[SpanTransform] = []
#: Transforms that must stay after every enricher (they see the final attributes).
_AFTER_ENRICHERS = ("scrub", "size_budget")


class SpanEnricher:
    """Base class for export-thread enrichers: implement :meth:`enrich`.

    ``enrich(span)`` gets each ended span (``ReadableSpan``, read-only) and returns the
    attributes to add, or ``None``. Existing keys are kept unless ``overwrite = True``.
    It is a span transform (``name`` + ``transform(spans)``), called from the export
    thread only — keep it thread-safe and reasonably fast; an exception in ``enrich``
    is reported and that span passes through unchanged.
    """

    #: Shown in internal-error reports; override with something meaningful.
    name: str = "enricher"
    #: Replace values the span already has (default: never overwrite).
    overwrite: bool = False

    def enrich(self, span: ReadableSpan) -> Mapping[str, AttributeValue] | None:
        """Attributes to add to ``span`` (``None`` or empty: leave it unchanged)."""
        raise NotImplementedError

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Apply :meth:`enrich` to every span of the batch (same order and count)."""
        out: list[ReadableSpan] = []
        for span in spans:
            try:
                extra = self.enrich(span)
                if extra and not self.overwrite:
                    existing = span.attributes or {}
                    extra = {k: v for k, v in extra.items() if k not in existing}
                out.append(with_attributes(span, extra) if extra else span)
            except Exception as exc:
                report_internal_error(f"enricher.{self.name}", exc)
                out.append(span)
        return out

    def shutdown(self) -> None:
        """Called once when the pipeline shuts down; override to release resources."""


def add_span_processor(processor: SpanProcessor) -> None:
    """Add an SDK ``SpanProcessor`` to the tracer provider set up by ``configure()``.

    Before ``configure()`` the processor is queued and attached when it runs. It is shut
    down (and detached from a provider that is not ours) when telemetry shuts down.
    With telemetry disabled it is never called.
    """
    if not isinstance(processor, SpanProcessor):
        raise TypeError(f"add_span_processor expects an SDK SpanProcessor, got {processor!r}")
    tel = _running()
    if tel is None:
        with _LOCK:
            _QUEUED_PROCESSORS.append(processor)
        return
    _attach_processor(tel, processor)


def add_span_enricher(enricher: SpanTransform) -> None:
    """Run ``enricher`` (a :class:`SpanEnricher` or any span transform) in the export
    pipeline, after cost enrichment and before scrubbing.

    Before ``configure()`` it is queued and added when it runs. Equivalent to passing it
    in ``configure(transforms=[...])``.
    """
    if not callable(getattr(enricher, "transform", None)) or not hasattr(enricher, "name"):
        raise TypeError(f"add_span_enricher expects a span transform, got {enricher!r}")
    tel = _running()
    if tel is None:
        with _LOCK:
            _QUEUED_ENRICHERS.append(enricher)
        return
    _insert_enricher(tel, enricher)


def attach_queued(tel: Telemetry) -> None:
    """Attach what was queued before ``configure()``; called by ``configure()``."""
    with _LOCK:
        processors, enrichers = list(_QUEUED_PROCESSORS), list(_QUEUED_ENRICHERS)
        _QUEUED_PROCESSORS.clear()
        _QUEUED_ENRICHERS.clear()
    for processor in processors:
        _attach_processor(tel, processor)
    for enricher in enrichers:
        _insert_enricher(tel, enricher)


def _running() -> Telemetry | None:
    from mcp_llm_trace.setup import get_telemetry

    tel = get_telemetry()
    return tel if tel is not None and tel.enabled else None


def _attach_processor(tel: Telemetry, processor: SpanProcessor) -> None:
    from opentelemetry.sdk.trace import TracerProvider

    provider = tel.tracer_provider
    if not isinstance(provider, TracerProvider):
        return
    provider.add_span_processor(processor)

    def detach() -> None:
        multi = provider._active_span_processor
        with multi._lock:
            multi._span_processors = tuple(p for p in multi._span_processors if p is not processor)
        processor.shutdown()

    tel._cleanups.append(detach)


def _insert_enricher(tel: Telemetry, enricher: Any) -> None:
    pipeline = getattr(tel.processor, "exporter", None)
    transforms = getattr(pipeline, "transforms", None)
    if pipeline is None or not isinstance(transforms, list):
        return  # no exporter configured: nothing is exported, nothing to enrich
    at = next(
        (i for i, t in enumerate(transforms) if getattr(t, "name", "") in _AFTER_ENRICHERS),
        len(transforms),
    )
    # A new list, swapped in one assignment: the export thread may be iterating the old.
    pipeline.transforms = [*transforms[:at], enricher, *transforms[at:]]
