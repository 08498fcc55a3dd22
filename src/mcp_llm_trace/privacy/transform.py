"""``ScrubTransform``: the export-path span transform that scrubs every span.

Runs in the export thread (``PipelineExporter``), never on the caller's thread, over ALL
spans — ours and those of third-party instrumentation. What it touches: every string
(or string-list) span attribute except ids, model names, counts and cost
(``semconv.NEVER_SCRUB_*``), span names, status descriptions, event names and event
attributes (exception messages, stack traces), link attributes. Values under sensitive
keys (``password``, ``authorization`` …) are masked whole.

Fail-closed: a value that cannot be scrubbed (error, or the per-span time budget is
spent) becomes ``[SCRUB_FAILED]``; the span is still exported, the failure counted and
warned about once a minute. If the whole transform fails, :meth:`ScrubTransform.fallback`
replaces every scrubbable value of the batch with ``[SCRUB_FAILED]``.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Status

from mcp_llm_trace import semconv
from mcp_llm_trace._internal.errors import report_internal_error, warn_once_per_interval
from mcp_llm_trace._internal.spancopy import copy_span
from mcp_llm_trace._internal.stats import STATS
from mcp_llm_trace.config import TelemetryConfig
from mcp_llm_trace.privacy.cache import Counts
from mcp_llm_trace.privacy.scrubber import SCRUB_FAILED_TEXT, Scrubber, ScrubBudgetExceeded
from mcp_llm_trace.privacy.workers import ScrubWorkers

__all__ = ["ScrubTransform", "never_scrub"]

logger = logging.getLogger("mcp_llm_trace.privacy")

_SAFE_NAME = re.compile(r"(?!.*\d{5})[\w./:-]{1,64}(?: [\w./:-]{1,64}){0,2}")
#: Longest a batch waits for the scrub workers before scrubbing their share here.
_MAX_PREFETCH_S = 30.0
#: Stats counter of values replaced by ``[SCRUB_FAILED]``.
FAILED_COUNTER = "scrub_failed_values"


@lru_cache(maxsize=8192)
def never_scrub(key: str) -> bool:
    """Whether attribute ``key`` holds ids/model names/counts/cost (left untouched).
    Memoised: the same few dozen keys come back on every span."""
    return (
        key in semconv.NEVER_SCRUB_KEYS
        or key.startswith(semconv.NEVER_SCRUB_PREFIXES)
        or key.endswith(semconv.NEVER_SCRUB_SUFFIXES)
    )


class _SpanScrub:
    """Per-span state: deadline, redaction counts, failure count."""

    def __init__(
        self,
        scrubber: Scrubber,
        budget_s: float,
        done: Mapping[str, tuple[str, Counts]] | None = None,
    ) -> None:
        self.scrubber = scrubber
        self.deadline = time.monotonic() + budget_s
        self.counts: Counter[str] = Counter()
        self.failed = 0
        self.done = done or {}  # results computed ahead (scrub workers), by text

    def text(self, value: str) -> str:
        hit = self.done.get(value)
        if hit is not None:
            for entity, n in hit[1]:
                self.counts[entity] += n
            return hit[0]
        try:
            out, found = self.scrubber.scrub_text_counted(value, self.deadline)
        except ScrubBudgetExceeded:
            self.failed += 1
            return SCRUB_FAILED_TEXT
        except Exception as exc:
            self.failed += 1
            report_internal_error("privacy.scrub_value", exc, reraise=False)
            return SCRUB_FAILED_TEXT
        for entity, n in found:
            self.counts[entity] += n
        return out

    def attributes(self, attrs: Mapping[str, Any] | None) -> tuple[dict[str, Any], bool]:
        out: dict[str, Any] = {}
        changed = False
        for key, value in (attrs or {}).items():
            new = value
            if never_scrub(key):
                pass
            elif self.scrubber.is_sensitive_key(key) and value not in (None, "", ()):
                self.counts[self.scrubber.fields.entity_for_key(key)] += 1
                if isinstance(value, (list, tuple)):
                    new = tuple(self.scrubber.mask_for_key(key, v) for v in value)
                else:
                    new = self.scrubber.mask_for_key(key, value)
            elif isinstance(value, str):
                new = self.text(value)
            elif isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
                new = tuple(self.text(v) if isinstance(v, str) else v for v in value)
            changed = changed or (new is not value and new != value)
            out[key] = new
        return out, changed


class ScrubTransform:
    """Span transform (``SpanTransform`` protocol) that scrubs PII and secrets.

    Example::

        from mcp_llm_trace.export.pipeline import PipelineExporter
        pipeline = PipelineExporter([ScrubTransform(cfg)], downstream=exporter)

    Called from the export thread only; thread-safe (the scrubber and its cache are).
    """

    name = "scrub"

    def __init__(
        self, cfg: TelemetryConfig | None = None, *, scrubber: Scrubber | None = None
    ) -> None:
        self.cfg = cfg or TelemetryConfig()
        self.enabled = cfg.scrubbing_enabled if cfg is not None else True
        self.scrubber = scrubber or Scrubber.from_config(self.cfg)
        self.budget_s = self.cfg.privacy.time_budget_ms / 1000.0
        self._warm = False
        n = self.cfg.privacy.workers
        #: Scrub worker processes (``privacy.workers``); ``None`` when scrubbing here only.
        #: A scrubber passed in may have been changed in code, so only one built from
        #: the configuration is mirrored in workers.
        self.workers: ScrubWorkers | None = None
        if n and self.enabled and scrubber is None:
            self.workers = ScrubWorkers(self.scrubber, n)
            self.workers.ready_count()  # start them now, in the background
        elif n and scrubber is not None:
            logger.info(
                "mcp-llm-trace privacy: privacy.workers ignored for a scrubber passed in code"
            )

    def transform(self, spans: Sequence[ReadableSpan]) -> Sequence[ReadableSpan]:
        """Scrubbed copies of ``spans`` (a span with nothing to change is passed as is)."""
        if not self.enabled:
            return spans
        if not self._warm:
            self.scrubber.warm_up()  # once, here in the export thread, outside any budget
            self._warm = True
        done = self._prefetch(spans) if self.workers is not None else None
        return [self.scrub_span(span, done) for span in spans]

    def _prefetch(self, spans: Sequence[ReadableSpan]) -> dict[str, tuple[str, Counts]] | None:
        """Every text of the batch with its result: cached ones as they are, the others
        scrubbed by the workers and this thread (those left out are scrubbed per span)."""
        assert self.workers is not None
        if not self.workers.ready_count():
            return None  # starting (or backing off): this thread scrubs alone meanwhile
        done, missing = self.texts(spans)
        if missing:
            budget = min(self.budget_s * len(spans), _MAX_PREFETCH_S)
            done.update(self.workers.prefetch(missing, budget))
        return done

    def texts(
        self, spans: Sequence[ReadableSpan]
    ) -> tuple[dict[str, tuple[str, Counts]], list[str]]:
        """The distinct texts :meth:`scrub_span` would analyse in ``spans``: those the
        scrubber has a result for (text → result), and the others, in span order."""
        done: dict[str, tuple[str, Counts]] = {}
        missing: dict[str, None] = {}
        cached = self.scrubber.cached
        scrubber = self.scrubber

        def add(text: str) -> None:
            if text not in done and text not in missing:
                hit = cached(text)
                if hit is None:
                    missing[text] = None
                else:
                    done[text] = hit

        def add_value(value: Any) -> None:
            if isinstance(value, str):
                add(value)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    if isinstance(v, str):
                        add(v)

        def attrs(mapping: Mapping[str, Any] | None) -> None:
            for key, value in (mapping or {}).items():
                if not never_scrub(key) and not scrubber.is_sensitive_key(key):
                    add_value(value)

        for span in spans:
            attrs(span.attributes)
            add_value(span.name)
            for ev in span.events:
                attrs(ev.attributes)
                add_value(ev.name)
            if span.status.description:
                add_value(span.status.description)
        return done, list(missing)

    def scrub_span(
        self, span: ReadableSpan, done: Mapping[str, tuple[str, Counts]] | None = None
    ) -> ReadableSpan:
        """One span, scrubbed; records the audit attributes and counters. ``done``: results
        already computed for some of its texts (by the scrub workers)."""
        state = _SpanScrub(self.scrubber, self.budget_s, done)
        attrs, changed = state.attributes(span.attributes)
        name = state.text(span.name) if span.name else span.name
        events, events_changed = self._events(span.events, state)
        status = span.status
        if status.description:
            description = state.text(status.description)
            if description != status.description:
                status = Status(status.status_code, description)
        if not (changed or events_changed or name != span.name or status is not span.status):
            return span
        total = sum(state.counts.values())
        if total:
            attrs[semconv.SCRUB_REDACTIONS] = total
            attrs[semconv.SCRUB_TYPES] = tuple(sorted(state.counts))
            for entity, n in state.counts.items():
                STATS.count_redactions(entity, n)
        if state.failed:
            attrs[semconv.SCRUB_FAILED] = state.failed
            _record_failure(state.failed)
        return copy_span(span, name=name, attributes=attrs, events=events, status=status)

    def _events(self, events: Sequence[Event], state: _SpanScrub) -> tuple[Sequence[Event], bool]:
        out: list[Event] = []
        changed = False
        for ev in events:
            attrs, ev_changed = state.attributes(ev.attributes)
            name = state.text(ev.name)
            if ev_changed or name != ev.name:
                changed = True
                out.append(Event(name, attrs, ev.timestamp))
            else:
                out.append(ev)
        return out, changed

    def fallback(self, spans: Sequence[ReadableSpan], exc: BaseException) -> Sequence[ReadableSpan]:
        """The whole transform failed: export every span with its content replaced."""
        out: list[ReadableSpan] = []
        for span in spans:
            out.append(_blank_span(span))
        _record_failure(len(spans), exc)
        return out

    def shutdown(self) -> None:
        """Stop the scrub workers, if any (the Presidio engine is garbage-collected)."""
        if self.workers is not None:
            self.workers.close()


def _blank(attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (attrs or {}).items():
        if never_scrub(key) or not isinstance(value, (str, list, tuple)):
            out[key] = value
        elif isinstance(value, str):
            out[key] = SCRUB_FAILED_TEXT
        else:
            out[key] = tuple(SCRUB_FAILED_TEXT if isinstance(v, str) else v for v in value)
    return out


def _blank_span(span: ReadableSpan) -> ReadableSpan:
    attrs = _blank(span.attributes)
    attrs[semconv.SCRUB_FAILED] = 1
    events = [Event(ev.name, _blank(ev.attributes), ev.timestamp) for ev in span.events]
    status = span.status
    if status.description:
        status = Status(status.status_code, SCRUB_FAILED_TEXT)
    # A span name may carry user input; keep it only when it looks like an operation/tool/
    # model name ("chat gpt-4o", "tools/call search") — short, no "@", no long digit runs.
    name = span.name if _SAFE_NAME.fullmatch(span.name or "") else SCRUB_FAILED_TEXT
    return copy_span(span, name=name, attributes=attrs, events=events, status=status)


def _record_failure(n: int, exc: BaseException | None = None) -> None:
    STATS.add(FAILED_COUNTER, n)
    warn_once_per_interval(
        "privacy.scrub_failed",
        "mcp-llm-trace privacy: %d value(s)/span(s) could not be scrubbed in time or failed "
        "(%r); exported as [SCRUB_FAILED]",
        n,
        exc,
    )
