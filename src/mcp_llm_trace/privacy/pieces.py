"""Whole-text detectors, paid once per piece of text: secrets, prefilter literals.

The secret recognizers, the ``key=value`` rules and the context-anchored PII recognizers
run on every value *whole* (a keyword may sit in a neighbouring JSON key), so a message
that a span carries three times (a plain attribute, ``input.value``,
``gen_ai.input.messages``) used to be scanned three times. Two exact facts let most of
that work be done once per *piece* — a plain value, or a long string of a JSON document
(``jsonslices.py``) — and remembered by the piece's hash:

* **Literals.** Which prefilter literals occur in a text (:class:`LiteralScanner`) is the
  union of what occurs in its pieces and in the rest of the text (the structure and the
  short strings between the pieces, joined), as long as no literal holds a ``"``: every
  piece is bounded by quote characters, so an occurrence never straddles a boundary.
* **Local recognizers.** A recognizer whose regex cannot match a ``"`` anywhere — no
  character class, literal or wildcard of it (look-arounds included) admits one, and it
  has no anchor but ``\\b``/``\\B`` — and that has no ``context`` (which reads the text
  around a candidate) finds, in the whole text, exactly the union of what it finds in
  each piece and in the joined rest (:func:`is_local`). A match cannot contain a quote,
  so it lies inside one segment; and wherever a match attempt reaches a segment's edge,
  it fails on the quote in the whole text exactly as it fails on the end of the segment
  (an assertion or ``\\b`` sees a non-word character that no class admits, or nothing).
  Its validators, allow-lists and stopwords read only the match.

Other recognizers run on the whole text, as before; a text whose lowercase form has
another length (the positions of ``text`` and ``text.lower()`` would differ) is analysed
whole too. Findings are the same as :meth:`RecognizerSet.find_all`'s, recognizer by
recognizer (within one recognizer their order can differ; the scrubber sorts them).
Tested against the whole-text computation on the corpora (``test_privacy_pieces.py``).
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mcp_llm_trace.privacy.cache import text_key
from mcp_llm_trace.privacy.patterns import Finding, LiteralScanner, Recognizer, RecognizerSet

try:  # Python 3.11+
    import re._constants as _sre_constants  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

__all__ = [
    "MIN_CHUNK",
    "MIN_PIECE",
    "ChunkFinder",
    "PieceIndex",
    "PieceScanner",
    "Scan",
    "is_local",
    "pattern_free_of",
]

#: Strings of a JSON document shorter than this stay in the joined rest (role names,
#: keys): a piece costs a hash and a lookup of its own.
MIN_PIECE = 24
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_BOUNDARIES = (_sre_constants.AT_BOUNDARY, _sre_constants.AT_NON_BOUNDARY)
#: A capital sigma lowercases to a final sigma by its cased neighbours, skipping
#: case-ignorable characters; a quote must stop that search (see ``PieceScanner``).
_QUOTE_STOPS_LOWER = 'A\u03a3"B'.lower() == 'a\u03c2"b' and 'A"\u03a3'.lower() == 'a"\u03c3'


def is_local(rec: Recognizer) -> bool:
    """Whether ``rec``'s findings in a text are the union of its findings in the text's
    quote-bounded segments (module docstring): no ``context``, and a regex that can
    match no ``"`` and uses no anchor but ``\\b``/``\\B``."""
    return rec.context is None and pattern_free_of(rec.regex, '"')


def pattern_free_of(pattern: re.Pattern[str], ch: str) -> bool:
    """Whether no part of ``pattern`` (look-arounds included) can match the caseless,
    non-word character ``ch``, and its only anchors are ``\\b``/``\\B``: then a match
    never contains ``ch``, and an attempt that reaches ``ch`` fails there exactly as at
    the end of the text. Unknown constructs count as matching it."""
    assert ch.lower() == ch.upper() == ch, "a character without case"
    assert re.fullmatch(r"\W", ch), "a non-word character"
    try:
        tree = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - the pattern compiled: it parses
        return False
    return _free(tree, ord(ch))


def _free(seq: Iterable[tuple[Any, Any]], c: int) -> bool:
    """No atom of the parsed pattern ``seq`` can match ``chr(c)``; only understood
    opcodes. (Case-insensitive matching changes nothing: ``chr(c)`` has no case.)"""
    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            ok = av != c
        elif name == "NOT_LITERAL":
            ok = av == c
        elif name == "IN":
            ok = not _set_admits(av, c)
        elif name in _REPEATS:
            ok = _free(av[2], c)
        elif name == "SUBPATTERN":
            ok = _free(av[3], c)
        elif name == "ATOMIC_GROUP":
            ok = _free(av, c)
        elif name == "BRANCH":
            ok = all(_free(b, c) for b in av[1])
        elif name in ("ASSERT", "ASSERT_NOT"):
            ok = _free(av[1], c)
        elif name == "AT":
            ok = av in _BOUNDARIES
        elif name == "GROUPREF":
            ok = True  # repeats a group's text, which cannot hold the character
        elif name == "GROUPREF_EXISTS":
            ok = _free(av[1], c) and (av[2] is None or _free(av[2], c))
        else:  # ANY (even without DOTALL it matches the character), anything unknown
            ok = False
        if not ok:
            return False
    return True


#: Parsed categories as classes, to test a character against (``re.ASCII`` or not: the
#: test takes the union, which can only say "admits" more often).
_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _set_admits(items: Sequence[tuple[Any, Any]], c: int) -> bool:
    negate = False
    hit = False
    ch = chr(c)
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            hit = hit or av == c
        elif name == "RANGE":
            hit = hit or av[0] <= c <= av[1]
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            cls = _CATEGORIES[str(av)]
            if negate:  # a negated set admits it only if no item does: be exact per mode
                both = re.fullmatch(cls, ch) is not None and re.fullmatch(cls, ch, re.ASCII)
                hit = hit or bool(both)
            else:
                hit = hit or bool(re.fullmatch(cls, ch) or re.fullmatch(cls, ch, re.ASCII))
        else:
            return True  # not understood: assume it does
    return hit != negate


@dataclass
class _Piece:
    """What is remembered of one piece (or one document's joined rest)."""

    present: frozenset[str]
    #: recognizer index -> its findings in the piece (filled as recognizers are admitted)
    found: dict[int, tuple[Finding, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Scan:
    """A text's secret findings and the prefilter literals that occur in it."""

    findings: list[Finding]
    present: frozenset[str]


class PieceIndex:
    """What :class:`PieceScanner` needs of a secret pack, built once per pack: one
    :class:`LiteralScanner` over the pack's literals and ``extra_literals`` (further
    lowercase literals whose presence the caller wants to know: the ``key=value`` keys,
    the prefilters of the context-anchored PII recognizers), and which recognizers are
    local (:func:`is_local`)."""

    def __init__(self, secrets: RecognizerSet, extra_literals: Iterable[str]) -> None:
        self.secrets = secrets
        literals = {lit for r in secrets.recognizers for lit in r.prefilter}
        literals.update(extra_literals)
        #: Every literal whose presence :attr:`Scan.present` reports.
        self.literals = frozenset(literals)
        #: Off when a literal holds a quote (it could straddle a piece's edge), or where
        #: lowercasing reads across a quote (then a piece's lowercase form could depend
        #: on its neighbours: only the final-sigma rule reads context, and CPython's
        #: stops at a quote, which is neither cased nor case-ignorable).
        self.enabled = not any('"' in lit for lit in literals) and _QUOTE_STOPS_LOWER
        self.scanner = LiteralScanner(literals)
        by_literal: dict[str, list[int]] = {}
        for i, r in enumerate(secrets.recognizers):
            for lit in r.prefilter:
                by_literal.setdefault(lit, []).append(i)
        self.by_literal = {lit: tuple(ix) for lit, ix in by_literal.items()}
        self.always = tuple(i for i, r in enumerate(secrets.recognizers) if not r.prefilter)
        self.local = tuple(is_local(r) for r in secrets.recognizers)


class PieceScanner:
    """Secret findings and prefilter literals of a text, paid once per piece.

    ``max_pieces`` bounds the memory (0: nothing is remembered, every piece is scanned —
    for measurements). Pieces are remembered by a hash of their text (``text_key``), never
    by the text. Thread-safe.
    """

    def __init__(self, index: PieceIndex, *, max_pieces: int = 16384) -> None:
        self.index = index
        self.max_pieces = max_pieces
        self._memo: dict[bytes, _Piece] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._memo)

    def scan(
        self, text: str, lowered: str, slices: Sequence[tuple[int, int]] | None
    ) -> Scan | None:
        """Secret findings of ``text`` (``lowered`` is ``text.lower()``; ``slices`` the
        string tokens of a JSON document, or ``None`` for a plain value), or ``None``
        where the text must be analysed whole (see the module docstring)."""
        index = self.index
        if not index.enabled or len(lowered) != len(text):
            return None
        if slices is None:
            pieces = [(0, len(text))] if len(text) >= MIN_PIECE else []
        else:
            pieces = [(lo, hi) for lo, hi in slices if hi - lo >= MIN_PIECE]
        # The rest: what lies between the pieces (each part starts and ends with a quote,
        # or at the text's edge), joined; starts[k] in the text is offsets[k] joined.
        starts: list[int] = []
        offsets: list[int] = []
        parts: list[str] = []
        pos = joined = 0
        for lo, hi in [*pieces, (len(text), len(text))]:
            if lo > pos:
                starts.append(pos)
                offsets.append(joined)
                parts.append(text[pos:lo])
                joined += lo - pos
            pos = hi
        # (offset in the text, or -1 for the joined rest; raw text; lowercase; memo)
        segments: list[tuple[int, str, str, _Piece]] = []
        for lo, hi in pieces:
            raw, low = text[lo:hi], lowered[lo:hi]
            segments.append((lo, raw, low, self._piece(raw, low)))
        if parts:
            raw = "".join(parts)
            low = "".join(lowered[s : s + len(p)] for s, p in zip(starts, parts, strict=True))
            segments.append((-1, raw, low, self._piece(raw, low)))
        present: set[str] = set()
        for *_, piece in segments:
            present.update(piece.present)
        chosen = set(index.always)
        for lit in present:
            chosen.update(index.by_literal.get(lit, ()))
        findings: list[Finding] = []
        recognizers = index.secrets.recognizers
        for i in sorted(chosen):
            r = recognizers[i]
            if not index.local[i]:
                findings.extend(r.find_unfiltered(text, lowered))
                continue
            for offset, raw, low, piece in segments:
                found = piece.found.get(i)
                if found is None:
                    found = tuple(r.find_unfiltered(raw, low))
                    if self.max_pieces > 0:
                        piece.found[i] = found
                if offset >= 0:
                    findings.extend(
                        Finding(f.start + offset, f.end + offset, f.entity, f.source) for f in found
                    )
                    continue
                for f in found:
                    k = bisect.bisect_right(offsets, f.start) - 1
                    shift = starts[k] - offsets[k]
                    findings.append(Finding(f.start + shift, f.end + shift, f.entity, f.source))
        return Scan(findings, frozenset(present))

    def _piece(self, raw: str, low: str) -> _Piece:
        key = text_key(raw)
        hit = self._memo.get(key) if self.max_pieces > 0 else None
        if hit is not None:
            return hit
        piece = _Piece(frozenset(self.index.scanner.present(low)))
        if self.max_pieces > 0:
            with self._lock:
                if len(self._memo) >= self.max_pieces:
                    self._memo.clear()
                self._memo[key] = piece
        return piece


#: Characters a piece may be cut at for :class:`ChunkFinder` (those that every chunked
#: recognizer leaves alone are used): punctuation with no case, that lowercasing does
#: not read across (checked at import), and a tab and a newline.
_CUT_CANDIDATES = [
    c
    for c in '!"#$%&*,;<=>?@[\\]{|}~\n\t'
    if ("A\u03a3" + c + "B").lower() == "a\u03c2" + c + "b"
    and ("A" + c + "\u03a3").lower() == "a" + c + "\u03c3"
]
#: Chunks are merged up to at least this length (each costs a hash and a lookup).
MIN_CHUNK = 64


@dataclass
class _Chunk:
    """What is remembered of one chunk: its literals, its ``needs`` results, findings."""

    present: frozenset[str]
    needs: dict[re.Pattern[str], bool] = field(default_factory=dict)
    found: dict[int, tuple[Finding, ...]] = field(default_factory=dict)


class ChunkFinder:
    """:func:`~mcp_llm_trace.privacy.patterns.find_all` for local recognizers, paid once
    per *chunk* of a piece, so the unchanged sentences of a fresh message are not
    scanned again.

    A piece is cut before characters that none of the chunked recognizers can match in
    their regexes or ``needs`` (:func:`pattern_free_of`; none of their prefilter literals
    holds one): a finding never spans a cut, an attempt reaching one fails there as at
    the end of a chunk, so a recognizer's findings in the piece are its findings in the
    chunks, in order. Its prefilter and ``needs`` are decided for the whole piece, as
    :func:`find_all` does — a literal occurs, or ``needs`` matches, in the piece exactly
    when it does in one of its chunks. Recognizers that do not qualify run on the whole
    piece. Chunks are remembered by hash (bounded; ``max_chunks=0``: off). Thread-safe.
    """

    def __init__(self, recognizers: Sequence[Recognizer], *, max_chunks: int = 16384) -> None:
        self.recognizers = tuple(recognizers)

        def free(r: Recognizer, c: str) -> bool:
            return (
                r.context is None
                and pattern_free_of(r.regex, c)
                and (r.needs is None or pattern_free_of(r.needs, c))
                and not any(c in lit for lit in r.prefilter)
            )

        # The characters every recognizer that could be chunked at all leaves alone (one
        # that matches anything, such as a look-behind with ".", runs whole anyway).
        candidates = [r for r in self.recognizers if any(free(r, c) for c in _CUT_CANDIDATES)]
        cut = [c for c in _CUT_CANDIDATES if all(free(r, c) for r in candidates)]
        self.chunked = tuple(bool(cut) and all(free(r, c) for c in cut) for r in self.recognizers)
        #: The characters pieces are cut before (empty: every piece is analysed whole).
        self.cut = "".join(cut)
        self._cut = re.compile("[" + re.escape(self.cut) + "]") if cut else None
        self._literals = tuple(dict.fromkeys(lit for r in self.recognizers for lit in r.prefilter))
        self.max_chunks = max_chunks
        self._memo: dict[bytes, _Chunk] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._memo)

    def find_all(self, text: str) -> list[Finding]:
        """Every finding of every recognizer in ``text``, as :func:`find_all` gives them."""
        from mcp_llm_trace.privacy.patterns import find_all

        lowered = text.lower()
        if self._cut is None or len(lowered) != len(text) or len(text) < 2 * MIN_CHUNK:
            return find_all(self.recognizers, text, lowered)
        bounds = [0]
        for m in self._cut.finditer(text):
            if m.start() - bounds[-1] >= MIN_CHUNK:
                bounds.append(m.start())
        if len(bounds) == 1:
            return find_all(self.recognizers, text, lowered)
        bounds.append(len(text))
        chunks = [
            (lo, text[lo:hi], lowered[lo:hi], self._chunk(text[lo:hi], lowered[lo:hi]))
            for lo, hi in itertools.pairwise(bounds)
        ]
        present: set[str] = set()
        for *_, chunk in chunks:
            present.update(chunk.present)
        memo: dict[re.Pattern[str], bool] = {}
        out: list[tuple[int, Finding]] = []  # (recognizer index, finding)
        admitted: list[tuple[int, Recognizer]] = []
        for i, r in enumerate(self.recognizers):
            if not self.chunked[i]:
                out.extend((i, f) for f in r.find(text, lowered, memo))
                continue
            if r.prefilter and not any(p in present for p in r.prefilter):
                continue
            if r.needs is not None:
                hit = memo.get(r.needs)
                if hit is None:
                    hit = memo[r.needs] = any(
                        self._needs(chunk, raw, r.needs) for _, raw, _, chunk in chunks
                    )
                if not hit:
                    continue
            admitted.append((i, r))
        remember = self.max_chunks > 0
        for lo, raw, low, chunk in chunks:
            done = chunk.found
            for i, r in admitted:
                found = done.get(i)
                if found is None:
                    found = tuple(r.find_unfiltered(raw, low))
                    if remember:
                        done[i] = found
                if found:
                    out.extend(
                        (i, Finding(f.start + lo, f.end + lo, f.entity, f.source)) for f in found
                    )
        # find_all's order: recognizer by recognizer, each in text order (chunk order).
        out.sort(key=lambda pair: pair[0])
        return [f for _, f in out]

    def _needs(self, chunk: _Chunk, raw: str, needs: re.Pattern[str]) -> bool:
        hit = chunk.needs.get(needs)
        if hit is None:
            hit = needs.search(raw) is not None
            if self.max_chunks > 0:
                chunk.needs[needs] = hit
        return hit

    def _chunk(self, raw: str, low: str) -> _Chunk:
        key = text_key(raw)
        hit = self._memo.get(key) if self.max_chunks > 0 else None
        if hit is not None:
            return hit
        chunk = _Chunk(frozenset(lit for lit in self._literals if lit in low))
        if self.max_chunks > 0:
            with self._lock:
                if len(self._memo) >= self.max_chunks:
                    self._memo.clear()
                self._memo[key] = chunk
        return chunk
