"""The :class:`Scrubber`: finds PII and secrets in text and JSON-like values, replaces them.

Detectors, in order of label precedence when their findings overlap:

1. the user's ``mask_patterns`` (regex + their own replacement);
2. secret recognizers from ``secrets.yml`` (API keys, JWTs, PEM keys, URL passwords …)
   and ``secrets_public.yml`` (generated from gitleaks' rule set: ~200 vendor formats),
   minus known placeholders and documentation examples (``placeholders.yml``);
3. PII: Presidio in pattern mode (optionally NER), or the regex pack ``pii.yml`` when
   Presidio is switched off or not installed;
4. ``key=value`` assignments whose key is a sensitive field (``fields.py``), minus
   placeholders as for secrets.

Overlapping findings are merged into one replaced span (the union — never leave a piece
of a secret behind). Results are cached by text hash, outputs included, so a value that
was already scrubbed is not scanned again.

Thread-safe; meant to run in the export thread (pattern mode: ~0.4-1 ms of CPU per KB of
fresh text; docs/privacy.md, "Cost").

Example::

    from mcp_llm_trace.privacy import Scrubber
    s = Scrubber.from_config()
    s.scrub_text("mail bob@example.com, key sk-proj-abc123DEF456ghi789JKL0")
    # -> 'mail [EMAIL], key [OPENAI_API_KEY]'
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mcp_llm_trace._internal.errors import warn_once_per_interval
from mcp_llm_trace.config import PrivacyConfig, TelemetryConfig
from mcp_llm_trace.privacy.cache import Counts, PieceCache, ScrubCache, text_key
from mcp_llm_trace.privacy.fields import FieldRules
from mcp_llm_trace.privacy.filters import plausible
from mcp_llm_trace.privacy.jsonslices import string_slices
from mcp_llm_trace.privacy.patterns import (
    Finding,
    Recognizer,
    RecognizerSet,
    find_all,
    load_pack,
)
from mcp_llm_trace.privacy.pieces import ChunkFinder, PieceIndex, PieceScanner
from mcp_llm_trace.privacy.placeholders import Placeholders
from mcp_llm_trace.privacy.presidio_engine import PresidioEngine, PresidioUnavailable

logger = logging.getLogger("mcp_llm_trace.privacy")

__all__ = ["SCRUB_FAILED_TEXT", "ScrubBudgetExceeded", "ScrubReport", "Scrubber"]

#: What a value becomes when it could not be scrubbed (fail closed).
SCRUB_FAILED_TEXT = "[SCRUB_FAILED]"
#: Short labels for Presidio's entity names; other entities are their own label.
LABELS = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "US_SSN": "SSN",
    "IBAN_CODE": "IBAN",
    "IP_ADDRESS": "IP",
    "SENSITIVE_FIELD": "REDACTED",
}
_PRIORITY = {"mask": 0, "secret": 1, "pii": 2, "field": 3}


class ScrubBudgetExceeded(RuntimeError):
    """The time budget ran out before this value could be scanned."""


@dataclass(frozen=True)
class ScrubReport:
    """What :meth:`Scrubber.analyze` found: positions and types, never the values."""

    length: int
    findings: tuple[tuple[int, int, str], ...]
    counts: Mapping[str, int]
    engine: str
    ner: str
    scrubbed: str = field(repr=False, default="")

    @property
    def total(self) -> int:
        """Number of replaced spans."""
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (no original values)."""
        return {
            "length": self.length,
            "redactions": self.total,
            "counts": dict(self.counts),
            "findings": [list(f) for f in self.findings],
            "engine": self.engine,
            "ner": self.ner,
        }


class Scrubber:
    """Replaces PII and secrets in strings and JSON-like values. Build with :meth:`from_config`."""

    def __init__(self, privacy: PrivacyConfig | None = None, *, cache_size: int = 8192) -> None:
        self.privacy = privacy or PrivacyConfig()
        secrets_pack = load_pack("secrets.yml")
        self._secrets: tuple[Recognizer, ...] = (
            secrets_pack.recognizers + load_pack("secrets_public.yml").recognizers
        )
        self._secret_set = _secret_set(self._secrets)
        pii_pack = load_pack("pii.yml")
        wanted = set(self.privacy.effective_entities)
        self._regex_pii = tuple(r for r in pii_pack.recognizers if r.entity in wanted)
        gaps = set(pii_pack.tables.get("presidio_gaps") or ())
        self._gap_pii = tuple(r for r in self._regex_pii if r.name in gaps)
        # Gap recognizers whose findings depend only on their own match run per piece of
        # text (cached with Presidio's findings); context-anchored ones on the whole text.
        self._gap_local = tuple(r for r in self._gap_pii if r.context is None)
        self._gap_context = tuple(r for r in self._gap_pii if r.context is not None)
        # The local ones per chunk of a piece too (pieces.ChunkFinder): a fresh message's
        # unchanged sentences are not scanned again.
        self._gap_chunks = ChunkFinder(self._gap_local, max_chunks=2 * cache_size)
        # Off with the result cache (cache_size=0: every value analysed, e.g. to measure).
        self._pieces = PieceCache(max_entries=2 * cache_size)
        self._sensitive: dict[str, bool] = {}  # is_sensitive_key, memoised per key
        self._split_json = True  # analyse JSON documents per string (tests compare both)
        self.fields = FieldRules(
            self.privacy.sensitive_fields,
            secrets_pack.tables.get("assignment_keys", {}),
            secrets_pack.tables.get("line_value_keys", ()),
            secrets_pack.tables.get("placeholder_values", ()),
        )
        # Secrets and prefilter literals once per piece of text (pieces.py); off in tests
        # that compare with the whole-text computation.
        self._piece_scan = PieceScanner(
            _piece_index(self._secret_set, self.fields.keys, self._gap_context),
            max_pieces=2 * cache_size,
        )
        self._split_secrets = True
        self._masks = [(re.compile(p.regex), p.replacement) for p in self.privacy.mask_patterns]
        self._allow = frozenset(self.privacy.allow_list)
        self._placeholders = Placeholders.default()
        self.presidio = (
            PresidioEngine(self.privacy, remember_windows=cache_size > 0)
            if self.privacy.presidio
            else None
        )
        self._cache = ScrubCache(max_entries=cache_size)
        key = self.privacy.pseudonym_secret
        if self.privacy.pseudonymize and not key:
            logger.warning(
                "mcp-llm-trace privacy: pseudonymize is on but no pseudonym_secret is set; "
                "using a random per-process key (pseudonyms are stable only within this run)"
            )
        self._hmac_key = (key or secrets.token_hex(16)).encode()

    @classmethod
    def from_config(cls, cfg: TelemetryConfig | PrivacyConfig | None = None) -> Scrubber:
        """A scrubber for ``cfg`` (a full config, its ``privacy`` part, or defaults)."""
        if isinstance(cfg, TelemetryConfig):
            return cls(cfg.privacy)
        return cls(cfg)

    # ---------------------------------------------------------------- public API

    def scrub_text(self, text: str) -> str:
        """``text`` with every detected PII/secret replaced by its label or pseudonym."""
        return self.scrub_text_counted(text)[0]

    def scrub_value(self, value: Any) -> Any:
        """Scrub a JSON-like value: strings scanned, values under sensitive keys masked.

        Numbers, booleans and ``None`` are returned as they are (unless under a sensitive
        key); containers are copied, never modified in place.
        """
        return self.scrub_value_counted(value, Counter())

    def analyze(self, text: str) -> ScrubReport:
        """Report what would be replaced in ``text`` (positions, types, engine status)."""
        findings = self._merge(self._detect(text))
        scrubbed, counts = self._replace(text, findings)
        return ScrubReport(
            length=len(text),
            findings=tuple((f.start, f.end, f.entity) for f in findings),
            counts=dict(counts),
            engine=self.engine_status,
            ner=self.presidio.ner_status if self.presidio else "off",
            scrubbed=scrubbed,
        )

    @property
    def engine_status(self) -> str:
        """``presidio:pattern``, ``presidio:ner``, ``regex`` or ``regex (presidio …)``."""
        if self.presidio is None:
            return "regex"
        if self.presidio.status in ("pattern", "ner"):
            return "presidio:" + self.presidio.status
        if self.presidio.status.startswith("unavailable"):
            return f"regex (presidio {self.presidio.status})"
        return "presidio (not started)"

    def warm_up(self) -> None:
        """Build the Presidio engine now (0.7-3 s, once); a missing Presidio is not an error.

        Called by :class:`ScrubTransform` in the export thread before the first batch, so
        the build does not count against a span's time budget.
        """
        if self.presidio is not None:
            try:
                self.presidio.warm_up()
            except PresidioUnavailable as exc:
                warn_once_per_interval(
                    "privacy.presidio",
                    "mcp-llm-trace privacy: Presidio unavailable (%s); using regex recognizers",
                    exc,
                )

    def is_sensitive_key(self, key: str) -> bool:
        """Whether values under ``key`` (attribute, JSON key, header) are always masked."""
        hit = self._sensitive.get(key)
        if hit is None:
            if len(self._sensitive) >= 8192:
                self._sensitive.clear()  # bounded; keys repeat span after span
            hit = self._sensitive[key] = self.fields.is_sensitive_key(key)
        return hit

    def mask_for_key(self, key: str, value: Any) -> str:
        """The replacement of a value stored under a sensitive ``key``."""
        entity = self.fields.entity_for_key(key)
        return self._label(entity, str(value))

    def pseudonym_key(self) -> str:
        """The key pseudonyms are derived with (the configured secret, or this process's
        random one): scrub workers get it so a value has one pseudonym everywhere."""
        return self._hmac_key.decode()

    def cached(self, text: str) -> tuple[str, Counts] | None:
        """What :meth:`scrub_text_counted` would answer for ``text`` without scanning it
        (a cache hit, or a text too short to scan), else ``None``."""
        if len(text) < 3:
            return text, ()
        return self._cache.get(text_key(text))

    def cache_result(self, text: str, scrubbed: str, counts: Counts) -> None:
        """Store a result computed elsewhere (a scrub worker running this same
        configuration) as if this scrubber had computed it."""
        self._cache.put(text_key(text), scrubbed, counts)

    # ---------------------------------------------------------------- counted variants

    def scrub_text_counted(self, text: str, deadline: float | None = None) -> tuple[str, Counts]:
        """Scrubbed text plus redaction counts by type. Raises :class:`ScrubBudgetExceeded`
        when ``deadline`` (``time.monotonic()``) has passed and the text is not cached."""
        if len(text) < 3:
            return text, ()
        key = text_key(text)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        if deadline is not None and time.monotonic() > deadline:
            raise ScrubBudgetExceeded("scrub time budget exceeded")
        scrubbed, counts = self._replace(text, self._merge(self._detect(text)))
        result = tuple(sorted(counts.items()))
        self._cache.put(key, scrubbed, result)
        return scrubbed, result

    def scrub_value_counted(
        self, value: Any, counts: Counter[str], deadline: float | None = None
    ) -> Any:
        """:meth:`scrub_value` that adds its redactions to ``counts``."""
        if isinstance(value, str):
            out, found = self.scrub_text_counted(value, deadline)
            for entity, n in found:
                counts[entity] += n
            return out
        if isinstance(value, Mapping):
            result: dict[Any, Any] = {}
            for k, v in value.items():
                if isinstance(k, str) and v not in (None, "") and self.is_sensitive_key(k):
                    counts[self.fields.entity_for_key(k)] += 1
                    result[k] = self.mask_for_key(k, v)
                else:
                    if isinstance(k, str):
                        # Keys can carry data too ({"bob@example.com": 3}).
                        k = self.scrub_value_counted(k, counts, deadline)
                    result[k] = self.scrub_value_counted(v, counts, deadline)
            return result
        if isinstance(value, (list, tuple)):
            items = [self.scrub_value_counted(v, counts, deadline) for v in value]
            return items if isinstance(value, list) else tuple(items)
        return value

    # ---------------------------------------------------------------- detection

    def _detect(self, text: str) -> list[tuple[int, Finding]]:
        found: list[tuple[int, Finding]] = []
        for i, (regex, _) in enumerate(self._masks):
            for m in regex.finditer(text):
                if m.end() > m.start():
                    found.append((0, Finding(m.start(), m.end(), f"MASK:{i}", "mask")))
        lowered = text.lower()
        slices = string_slices(text) if self._split_json else None
        scan = self._pieces_scanner().scan(text, lowered, slices) if self._split_secrets else None
        if scan is None:
            found.extend((1, f) for f in self._secret_set.find_all(text, lowered))
            literals = None
        else:
            found.extend((1, f) for f in scan.findings)
            literals = scan.present
        found.extend((2, f) for f in self._detect_pii(text, lowered, slices, literals))
        found.extend((3, f) for f in self.fields.find(text, lowered, literals))
        if self._allow:
            found = [(p, f) for p, f in found if text[f.start : f.end] not in self._allow]
        return self._drop_placeholders(text, found)

    def _pieces_scanner(self) -> PieceScanner:
        """The piece scanner of the current secret recognizers (rebuilt if they changed)."""
        scanner = self._piece_scan
        if scanner.index.secrets is not self._secret_set:
            scanner = self._piece_scan = PieceScanner(
                _piece_index(self._secret_set, self.fields.keys, self._gap_context),
                max_pieces=scanner.max_pieces,
            )
        return scanner

    def _drop_placeholders(
        self, text: str, found: list[tuple[int, Finding]]
    ) -> list[tuple[int, Finding]]:
        """Secret findings (any pack, and key=value fields) whose value is a placeholder or
        documentation example are not secrets; user masks and PII are kept as they are."""
        keep_always = (_PRIORITY["mask"], _PRIORITY["pii"])
        return [
            (p, f)
            for p, f in found
            if p in keep_always or not self._placeholders.is_placeholder_at(text, f.start, f.end)
        ]

    def _detect_pii(
        self,
        text: str,
        lowered: str,
        slices: list[tuple[int, int]] | None,
        literals: frozenset[str] | None,
    ) -> list[Finding]:
        return [
            f
            for f in self._pii_candidates(text, lowered, slices, literals)
            if plausible(f.entity, text, f.start, f.end)
        ]

    def _pii_candidates(
        self,
        text: str,
        lowered: str,
        slices: list[tuple[int, int]] | None,
        literals: frozenset[str] | None,
    ) -> list[Finding]:
        """PII candidates; ``slices`` are ``text``'s JSON strings (``None``: analyse it
        whole), ``literals`` the prefilter literals occurring in ``lowered`` if known."""
        if self.presidio is None:
            return find_all(self._regex_pii, text)
        try:
            if not self.presidio.context_free:
                found = self.presidio.analyze(text)
                found.extend(find_all(self._gap_pii, text))
                return found
            if slices is None:
                found = list(self._piece_pii(text))
            else:
                found = []
                for lo, hi in slices:
                    for f in self._piece_pii(text[lo:hi]):
                        found.append(Finding(f.start + lo, f.end + lo, f.entity, f.source))
        except PresidioUnavailable as exc:
            warn_once_per_interval(
                "privacy.presidio",
                "mcp-llm-trace privacy: Presidio unavailable (%s); using regex recognizers",
                exc,
            )
            return find_all(self._regex_pii, text)
        if self._gap_context:
            found.extend(find_all(self._gap_context, text, lowered, literals))
        return found

    def _piece_pii(self, piece: str) -> tuple[Finding, ...]:
        """Pattern-mode PII candidates of one piece of text — a whole value or one string
        of a JSON document (``jsonslices.py``) — remembered by the piece's hash, so the
        copies of a message in ``input.value`` and ``gen_ai.input.messages`` are not
        analysed again. Only detectors whose findings depend on nothing outside the piece
        run here: Presidio without context words, the gap recognizers without ``context``."""
        if len(piece) < 3:
            return ()
        key = text_key(piece)
        hit = self._pieces.get(key)
        if hit is not None:
            return hit
        assert self.presidio is not None
        found = tuple(self.presidio.analyze(piece) + self._gap_chunks.find_all(piece))
        self._pieces.put(key, found)
        return found

    @staticmethod
    def _merge(found: Sequence[tuple[int, Finding]]) -> list[Finding]:
        """Union of overlapping findings, labelled by the best finding (see ``_better``)."""
        if not found:
            return []
        ordered = sorted(found, key=lambda pf: (pf[1].start, -pf[1].end))
        merged: list[Finding] = []
        best: tuple[int, Finding] = ordered[0]
        start, end = best[1].start, best[1].end
        for prio, f in ordered[1:]:
            if f.start < end:
                end = max(end, f.end)
                if _better((prio, f), best):
                    best = (prio, f)
                continue
            merged.append(Finding(start, end, best[1].entity, best[1].source))
            best, start, end = (prio, f), f.start, f.end
        merged.append(Finding(start, end, best[1].entity, best[1].source))
        return merged

    def _replace(self, text: str, findings: Sequence[Finding]) -> tuple[str, Counter[str]]:
        counts: Counter[str] = Counter()
        if not findings:
            return text, counts
        parts: list[str] = []
        pos = 0
        for f in findings:
            parts.append(text[pos : f.start])
            if f.entity.startswith("MASK:"):
                _regex, replacement = self._masks[int(f.entity[5:])]
                parts.append(replacement)
                counts[_mask_type(replacement)] += 1
            else:
                parts.append(self._label(f.entity, text[f.start : f.end]))
                counts[f.entity] += 1
            pos = f.end
        parts.append(text[pos:])
        return "".join(parts), counts

    def _label(self, entity: str, value: str) -> str:
        label = LABELS.get(entity, entity)
        if not self.privacy.pseudonymize:
            return f"[{label}]"
        digest = hmac.new(self._hmac_key, value.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return f"<{label}_{digest.hexdigest()[:8]}>"


@lru_cache(maxsize=8)
def _piece_index(
    secret_set: RecognizerSet, field_keys: frozenset[str], gap_context: tuple[Recognizer, ...]
) -> PieceIndex:
    """One piece index per pack and literal set (built once per process, like the packs)."""
    return PieceIndex(secret_set, [*field_keys, *(p for r in gap_context for p in r.prefilter)])


@lru_cache(maxsize=8)
def _secret_set(recognizers: tuple[Recognizer, ...]) -> RecognizerSet:
    """One prefilter index per recognizer tuple (packs are cached: built once per process)."""
    return RecognizerSet(recognizers)


def _better(a: tuple[int, Finding], b: tuple[int, Finding]) -> bool:
    """User masks, then secrets, label a merged span; PII vs key=value: the longer one;
    on a tie, a specific identifier (NHS, NPI … with their checksum) before a phone."""
    ra, rb = min(a[0], 2), min(b[0], 2)
    if ra != rb:
        return ra < rb
    la, lb = a[1].end - a[1].start, b[1].end - b[1].start
    if la != lb:
        return la > lb
    ga, gb = a[1].entity in _GENERIC, b[1].entity in _GENERIC
    return gb and not ga if ga != gb else a[0] < b[0]


#: PII types any digit run can look like: they label a span only when nothing else does.
_GENERIC = frozenset({"PHONE_NUMBER"})


def _mask_type(replacement: str) -> str:
    inner = replacement.strip("[]<> ")
    return inner.upper() if inner and re.fullmatch(r"[A-Za-z_]+", inner) else "CUSTOM"
