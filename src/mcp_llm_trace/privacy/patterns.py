"""Regex recognizers loaded from data files (``secrets.yml``, ``pii.yml``).

A recognizer is data: a name, the entity type it reports, a regex, which group holds the
sensitive part, cheap literal pre-filters, an optional ``needs`` regex (a fast necessary
condition searched once per text), an optional ``context`` regex (words that must occur
within ``context_window`` characters before or after a candidate), optional validators
(Luhn, IBAN checksum, ``entropy>3.5`` …) and allow-lists (regexes or stopwords that mark a
finding as not a secret). Adding a pattern means editing YAML, not code; validators are
the only code, and they are looked up by name so a typo in the YAML fails at load time
(and in the tests).

A pack may have a ``defaults`` mapping, merged into each of its recognizers (lists are
concatenated): ``secrets_public.yml`` uses it for gitleaks' global allow-list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

__all__ = [
    "FIRST_GROUP",
    "Finding",
    "LiteralScanner",
    "PatternPack",
    "Recognizer",
    "RecognizerSet",
    "find_all",
    "load_pack",
    "resolve_validator",
    "shannon_entropy",
]

#: ``group: first`` — the first capture group that matched something non-empty (gitleaks'
#: rule for patterns with several alternatives, each capturing its own secret).
FIRST_GROUP = "first"


class Finding(NamedTuple):
    """A sensitive substring: ``text[start:end]`` is of ``entity`` type."""

    start: int
    end: int
    entity: str
    source: str  # recognizer name, for reports and debugging; never the value


@dataclass(frozen=True)
class Recognizer:
    """One compiled regex recognizer."""

    name: str
    entity: str
    regex: re.Pattern[str]
    group: int | str = 0  # or FIRST_GROUP
    prefilter: tuple[str, ...] = ()  # lowercase literals; skip the regex unless one occurs
    validator: Callable[[str], bool] | None = None  # all named validators, combined
    allow: tuple[re.Pattern[str], ...] = ()  # a secret matching one of these is not reported
    allow_match: tuple[re.Pattern[str], ...] = ()  # same, tested on the whole match
    stopwords: tuple[str, ...] = ()  # lowercase; a secret containing one is not reported
    #: ``lowercase: true``: ``regex`` is written in lowercase and runs on the lowercased
    #: text — case-insensitive without IGNORECASE, which keeps ``re``'s literal/charset
    #: search fast paths (~10x on keyword alternations). ``icase`` is the same pattern
    #: with IGNORECASE, for the rare text whose lowercase form has another length.
    icase: re.Pattern[str] | None = None
    needs: re.Pattern[str] | None = None  # skip the regex unless this matches somewhere
    context: re.Pattern[str] | None = None  # must match near a candidate
    context_window: int = 40

    def find(
        self,
        text: str,
        lowered: str,
        memo: dict[re.Pattern[str], bool] | None = None,
        literals: Container[str] | None = None,
    ) -> Iterable[Finding]:
        """Findings in ``text`` (``lowered`` is ``text.lower()``, shared across recognizers;
        ``memo`` caches ``needs`` results for recognizers that share a ``needs`` regex;
        ``literals``, when given, holds every prefilter literal that occurs in ``lowered``
        — among others — and answers the prefilter instead of searching ``lowered``)."""
        where = lowered if literals is None else literals
        if self.prefilter and not any(p in where for p in self.prefilter):
            return
        if self.needs is not None:
            hit = None if memo is None else memo.get(self.needs)
            if hit is None:
                hit = self.needs.search(text) is not None
                if memo is not None:
                    memo[self.needs] = hit
            if not hit:
                return
        yield from self.find_unfiltered(text, lowered)

    def find_unfiltered(self, text: str, lowered: str | None = None) -> Iterable[Finding]:
        """Findings in ``text`` without the prefilter check (the caller did it)."""
        regex, target = self.regex, text
        if self.icase is not None:
            if lowered is None:
                lowered = text.lower()
            if len(lowered) == len(text):
                target = lowered
            else:
                regex = self.icase
        for m in regex.finditer(target):
            start, end = self._span(m)
            if start < 0 or start == end:
                continue
            if self.context is not None and not self._in_context(text, start, end):
                continue
            value = text[start:end]
            if self.validator is not None and not self.validator(value):
                continue
            if self._allowed(value, text[m.start() : m.end()]):
                continue
            yield Finding(start, end, self.entity, self.name)

    def _span(self, m: re.Match[str]) -> tuple[int, int]:
        if self.group != FIRST_GROUP:
            return m.span(self.group)
        for g in range(1, (m.re.groups or 0) + 1):
            start, end = m.span(g)
            if end > start:
                return start, end
        return m.span(0)

    def _allowed(self, value: str, match: str) -> bool:
        if self.stopwords:
            low = value.lower()
            if any(w in low for w in self.stopwords):
                return True
        if any(a.search(value) for a in self.allow):
            return True
        return any(a.search(match) for a in self.allow_match)

    def _in_context(self, text: str, start: int, end: int) -> bool:
        assert self.context is not None
        w = self.context_window
        return (
            self.context.search(text, max(0, start - w), start) is not None
            or self.context.search(text, end, end + w) is not None
        )


@dataclass(frozen=True)
class PatternPack:
    """A loaded data file: its recognizers plus free-form tables (keys, placeholders)."""

    recognizers: tuple[Recognizer, ...]
    tables: dict[str, Any]


#: Characters per 1,000 of lowercased LLM-ish text (prose, code, JSON; measured on the
#: project's corpus, docs and sources); others count as 0.5. Only speed depends on these.
_PER_MILLE = {
    **dict.fromkeys(" ", 170.0),
    **dict(zip("etransoi", (81, 60, 48, 46, 45, 44, 44, 38), strict=True)),
    **dict(zip("lcpd\nm_u", (29, 27, 26, 21, 21, 20, 19, 19), strict=True)),
    **dict(zip('".fh`g,-:b', (18, 15, 15, 13, 12, 12, 12, 10, 10, 9), strict=True)),
    **dict(zip("()ykv=x0w|", (9, 9, 9, 7, 7, 6, 6, 6, 6, 5), strict=True)),
    **dict(zip("124538679q", (4, 4, 3, 3, 3, 3, 3, 3, 2, 2), strict=True)),
}
#: Relative cost of a regex attempt at a candidate position vs. one ``in`` test over a
#: KB of text (measured: ~0.2): an anchor group is searched by the regex
#: when its expected attempts per KB cost less than testing its literals with ``in``.
_ATTEMPT_PER_IN = 0.2


def _per_mille(ch: str) -> float:
    return _PER_MILLE.get(ch, 0.5)


def _anchor_index(lit: str) -> int:
    """Index of the rarest character of ``lit`` (the last one of equally rare ones)."""
    return min(range(len(lit)), key=lambda k: (_per_mille(lit[k]), -k))


class LiteralScanner:
    """Which of many literals occur in a (lowercased) text, in about one regex scan.

    Each literal is anchored on its rarest character (``_PER_MILLE``). One regex holds, for
    every anchor character, a trie of the literals' text from the anchor on; each leaf
    checks the whole literal with a lookbehind and sets the literal's own marker group.
    Every branch starts with its anchor, so ``re`` skips all other characters in C.
    A match names one literal; literals of the same anchor that could occur at the same
    position are confirmed there with ``startswith``. Exact: at the anchor of any occurring
    literal the regex matches, and the search resumes one character after each match, so
    no anchor position is skipped. Literals whose rarest character is still frequent
    (``eaaa``, ``asia``) would make most positions candidates: they are tested with ``in``.

    Example::

        scanner = LiteralScanner(["ghp_", "token", "sk-"])
        assert scanner.present("my token: ghp_x") == {"ghp_", "token"}
    """

    def __init__(self, literals: Iterable[str]) -> None:
        by_anchor: dict[str, list[str]] = {}
        for lit in sorted({lit for lit in literals if lit}):
            by_anchor.setdefault(lit[_anchor_index(lit)], []).append(lit)
        # A group whose anchor is frequent (``a`` of ``eaaa``) would make most positions
        # candidates: its literals are tested with ``in`` instead.
        groups = {
            a: lits for a, lits in by_anchor.items() if _per_mille(a) * _ATTEMPT_PER_IN < len(lits)
        }
        self._plain: tuple[str, ...] = tuple(
            lit for a, lits in by_anchor.items() if a not in groups for lit in lits
        )
        # One marker group per literal: a match names the literal that matched; literals of
        # the same anchor that could match at the same position are checked with startswith.
        self._literals: list[str] = []  # by marker group, in the order of the regex
        branches = []
        for anchor, lits in groups.items():
            trie: dict[str, Any] = {}
            for lit in lits:
                node = trie
                for ch in lit[_anchor_index(lit) + 1 :]:
                    node = node.setdefault(ch, {})
                node.setdefault("", []).append(lit)
            branches.append(re.escape(anchor) + _trie_regex(trie, self._literals))
        self._regex = re.compile("|".join(branches) or "(?!)")
        self._also: list[tuple[tuple[str, int], ...]] = [
            tuple(
                (other, _anchor_index(other))
                for other in groups[lit[_anchor_index(lit)]]
                if other != lit and _aligned(lit, other)
            )
            for lit in self._literals
        ]

    def present(self, lowered: str) -> set[str]:
        """The literals that occur in ``lowered``."""
        found = {lit for lit in self._plain if lit in lowered}
        search = self._regex.search
        startswith = lowered.startswith
        pos = 0
        while (m := search(lowered, pos)) is not None:
            i = (m.lastindex or 1) - 1
            found.add(self._literals[i])
            pos = m.start()
            for lit, j in self._also[i]:
                if pos >= j and lit not in found and startswith(lit, pos - j):
                    found.add(lit)
            pos += 1
        return found


def _aligned(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` can both occur with their anchors at the same position."""
    d = _anchor_index(a) - _anchor_index(b)  # where b starts, relative to a
    return all(a[k + d] == ch for k, ch in enumerate(b) if 0 <= k + d < len(a))


def _trie_regex(node: dict[str, Any], order: list[str]) -> str:
    """Regex for a trie node: children by next character; a leaf checks its whole literal
    with a lookbehind and sets the literal's marker group (appended to ``order``)."""
    alts = [re.escape(ch) + _trie_regex(child, order) for ch, child in sorted(node.items()) if ch]
    for lit in node.get("", ()):
        order.append(lit)
        alts.append(f"(?<={re.escape(lit)})()")
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


class RecognizerSet:
    """Recognizers behind one combined prefilter (:class:`LiteralScanner`).

    A text with none of their literals costs one scan; otherwise only the recognizers
    whose literals occur run (plus those without a prefilter). Same findings, in the same
    order, as :func:`find_all`.
    """

    def __init__(self, recognizers: Iterable[Recognizer]) -> None:
        self.recognizers = tuple(recognizers)
        by_literal: dict[str, list[int]] = {}
        for i, r in enumerate(self.recognizers):
            for lit in r.prefilter:
                by_literal.setdefault(lit, []).append(i)
        self._by_literal = {lit: tuple(ix) for lit, ix in by_literal.items()}
        self._always = frozenset(i for i, r in enumerate(self.recognizers) if not r.prefilter)
        self._scanner = LiteralScanner(by_literal)

    def candidates(self, lowered: str) -> list[Recognizer]:
        """The recognizers whose prefilter admits ``lowered``, in their order."""
        chosen = set(self._always)
        for lit in self._scanner.present(lowered):
            chosen.update(self._by_literal[lit])
        return [self.recognizers[i] for i in sorted(chosen)]

    def find_all(self, text: str, lowered: str | None = None) -> list[Finding]:
        """Every finding of every recognizer in ``text`` (unmerged)."""
        out: list[Finding] = []
        if lowered is None:
            lowered = text.lower()
        for r in self.candidates(lowered):
            out.extend(r.find_unfiltered(text, lowered))
        return out


def find_all(
    recognizers: Sequence[Recognizer],
    text: str,
    lowered: str | None = None,
    literals: Container[str] | None = None,
) -> list[Finding]:
    """Every finding of every recognizer (unmerged; overlaps are resolved by the caller).

    ``lowered``: ``text.lower()`` if the caller has it; ``literals``: the prefilter
    literals that occur in it, if known (:meth:`Recognizer.find`)."""
    if lowered is None:
        lowered = text.lower()
    memo: dict[re.Pattern[str], bool] = {}
    out: list[Finding] = []
    for r in recognizers:
        out.extend(r.find(text, lowered, memo, literals))
    return out


# ------------------------------------------------------------------ validators


def _luhn(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    return 12 <= len(digits) <= 19 and _luhn_ok(digits)


def _iban(value: str) -> bool:
    s = re.sub(r"[\s-]", "", value).upper()
    if not 15 <= len(s) <= 34 or not s[:2].isalpha() or not s[2:4].isdigit():
        return False
    rearranged = s[4:] + s[:4]
    try:
        number = "".join(str(int(c, 36)) for c in rearranged)
    except ValueError:
        return False
    return int(number) % 97 == 1


def _ip(value: str) -> bool:
    try:
        addr = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return False
    # "1.2.3.4"-shaped version numbers are valid IPv4; the regex context rules exclude
    # them. Unspecified/loopback carry no personal data but redacting them is harmless.
    return not (addr.version == 6 and ":" not in value)


def _basic_auth(value: str) -> bool:
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "was",
        "required",
        "optional",
        "empty",
        "set",
        "unset",
        "not",
        "missing",
        "wrong",
        "invalid",
        "correct",
        "incorrect",
        "stored",
        "hashed",
        "encrypted",
        "expired",
        "too",
        "field",
        "reset",
        "changed",
        "updated",
        "provided",
        "needed",
        "needs",
        "must",
        "should",
        "will",
        "can",
        "cannot",
        "be",
        "been",
        "being",
        "of",
        "for",
        "to",
        "in",
        "on",
        "and",
        "or",
    ]
)


_CODE_OR_PLACEHOLDER = re.compile(
    r"[A-Za-z_][\w.]*[(\[]|[${<%]|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+[;,)]?$"
)


def _password_like(value: str) -> bool:
    """Prose ("my password is X"): X looks like a secret, not a word, code or placeholder."""
    v = value.strip("\"'`.,;:!?)")
    if len(v) < 4 or v.lower() in _STOPWORDS or _CODE_OR_PLACEHOLDER.match(v):
        return False
    has_digit = any(c.isdigit() for c in v)
    has_symbol = any(not c.isalnum() for c in v)
    mixed = any(c.isupper() for c in v[1:]) and any(c.islower() for c in v)
    return has_digit or has_symbol or mixed


def _has_digit(value: str) -> bool:
    return any(c.isdigit() for c in value)


# Values of secret-looking keys that are not secrets: words and identifiers (letters,
# "_", ".", "-"), numbers/dates/versions (no letter), URLs and paths, calls, subscripts,
# templates, substitutions and format strings, masks, names with a version.
_NOT_A_SECRET_VALUE = re.compile(
    r"[A-Za-z_.\-]+|[^A-Za-z]+|[A-Za-z][\w+.-]*://.*|[~.]{0,2}/.*|[A-Za-z]:\\.*"
    r"|.*[(\[{].*|[$%<@].*|.*(?:\*{3,}|x{4,}|X{4,}|\.{3,}).*|.*%[sd](?![A-Za-z0-9]).*"
    r"|[A-Za-z][\w.:-]*[-_:@ ]v?\d+(?:\.\d+)+(?:[-+.][\w.]+)?"  # name-1.2.3, pkg:0.11.5
)


def _secret_like(value: str) -> bool:
    """A value under a secret-looking key looks random (keyword-anchored generic rule).

    At least 8 characters from two classes (lower, upper, digit, other), Shannon entropy of
    at least 3 bits per character, and none of the shapes of ``_NOT_A_SECRET_VALUE``.
    """
    v = value.strip()
    if len(v) < 8 or _NOT_A_SECRET_VALUE.fullmatch(v):
        return False
    classes = (
        any(c.islower() for c in v)
        + any(c.isupper() for c in v)
        + any(c.isdigit() for c in v)
        + any(not c.isalnum() for c in v)
    )
    return classes >= 2 and shannon_entropy(v) >= 3.0


def shannon_entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0 for the empty string)."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


# ------------------------------------------------------------------ identifier checksums


def _digits(value: str) -> list[int]:
    return [int(c) for c in value if c.isdigit()]


def _degenerate(digits: Sequence[int]) -> bool:
    """All digits of the body (without the check digit) equal: ``1111111112``, ``000…``."""
    return len(set(digits[:-1])) <= 1


def _nhs(value: str) -> bool:
    """UK NHS number: 10 digits, weights 10..1, sum divisible by 11."""
    d = _digits(value)
    if len(d) != 10 or _degenerate(d):
        return False
    return sum(x * w for x, w in zip(d, range(10, 0, -1), strict=True)) % 11 == 0


def _npi(value: str) -> bool:
    """US NPI: 10 digits starting 1 or 2, Luhn over the ``80840`` prefix (CMS)."""
    d = _digits(value)
    if len(d) != 10 or d[0] not in (1, 2) or _degenerate(d):
        return False
    return _luhn_ok([8, 0, 8, 4, 0, *d])


def _luhn_ok(digits: Sequence[int]) -> bool:
    total = 0
    for i, x in enumerate(reversed(digits)):
        if i % 2:
            x *= 2
            if x > 9:
                x -= 9
        total += x
    return total % 10 == 0


def _aba(value: str) -> bool:
    """US ABA routing number: 9 digits, first two 00-12/21-32/61-72/80, weights 3-7-1."""
    d = _digits(value)
    if len(d) != 9 or _degenerate(d):
        return False
    head = d[0] * 10 + d[1]
    if not (head <= 12 or 21 <= head <= 32 or 61 <= head <= 72 or head == 80):
        return False
    return sum(x * w for x, w in zip(d, (3, 7, 1) * 3, strict=True)) % 10 == 0


def _mac(value: str) -> bool:
    """A MAC address that is not the all-zero or broadcast address."""
    hexdigits = re.sub(r"[^0-9A-Fa-f]", "", value).upper()
    return len(hexdigits) == 12 and hexdigits not in ("000000000000", "FFFFFFFFFFFF")


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58check(value: str) -> bool:
    """Bitcoin P2PKH/P2SH address: base58, 25 bytes, version 0x00/0x05, sha256d checksum."""
    n = 0
    for c in value:
        i = _B58.find(c)
        if i < 0:
            return False
        n = n * 58 + i
    pad = len(value) - len(value.lstrip("1"))
    try:
        raw = b"\0" * pad + n.to_bytes((n.bit_length() + 7) // 8, "big")
    except OverflowError:  # pragma: no cover - n is never negative
        return False
    if len(raw) != 25 or raw[0] not in (0x00, 0x05):
        return False
    return hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def _bech32_polymod(values: Iterable[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= gen[i]
    return chk


def _bech32(value: str) -> bool:
    """Bitcoin SegWit address (BIP-173 bech32 / BIP-350 bech32m) with the ``bc`` prefix."""
    if value.lower() != value and value.upper() != value:
        return False
    v = value.lower()
    hrp, sep, data = v.rpartition("1")
    if hrp != "bc" or not sep or not 6 < len(data) <= 87:
        return False
    values = [_BECH32.find(c) for c in data]
    if min(values) < 0:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _bech32_polymod(expanded + values) in (1, 0x2BC830A3)


def _keccak_constants() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Keccak-f[1600] round constants (LFSR) and rotation offsets, computed (FIPS 202)."""
    rot = [0] * 25
    x, y = 1, 0
    for t in range(24):
        rot[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    r = 1
    bits = []
    for _ in range(255):
        bits.append(r & 1)
        r <<= 1
        if r & 0x100:
            r ^= 0x171  # x^8 + x^6 + x^5 + x^4 + 1
    rcs = []
    for ir in range(24):
        rc = 0
        for j in range(7):
            if bits[(j + 7 * ir) % 255]:
                rc |= 1 << ((1 << j) - 1)
        rcs.append(rc)
    return tuple(rcs), tuple(rot)


_KECCAK_RC, _KECCAK_ROT = _keccak_constants()
_M64 = (1 << 64) - 1


def _keccak_f(a: list[int]) -> list[int]:
    for rc in _KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [
            c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _M64)
            for x in range(5)
        ]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                v, n = a[x + 5 * y], _KECCAK_ROT[x + 5 * y]
                b[y + 5 * ((2 * x + 3 * y) % 5)] = ((v << n) | (v >> (64 - n))) & _M64 if n else v
        a = [
            b[i] ^ ((~b[(i % 5 + 1) % 5 + 5 * (i // 5)]) & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
            for i in range(25)
        ]
        a[0] ^= rc
    return a


def keccak256(data: bytes, *, pad: int = 0x01) -> bytes:
    """Keccak-256 as Ethereum uses it (``pad=0x01``); ``pad=0x06`` gives SHA3-256.

    Pure Python (``hashlib.sha3_256`` is the FIPS variant, with other padding); only ever
    run on 40-character address candidates.
    """
    rate = 136
    msg = bytearray(data)
    msg.append(pad)
    msg.extend(b"\0" * (-len(msg) % rate))
    msg[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(msg), rate):
        block = msg[off : off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        state = _keccak_f(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])


def _eip55(value: str) -> bool:
    """Ethereum address in mixed case whose case pattern is its EIP-55 checksum."""
    body = value[2:] if value[:2] in ("0x", "0X") else value
    if len(body) != 40 or body.lower() == body or body.upper() == body:
        return False
    digest = keccak256(body.lower().encode()).hex()
    return all(
        (c.isupper() if int(h, 16) >= 8 else c.islower()) or c.isdigit()
        for c, h in zip(body, digest, strict=False)
    )


def _not_hex_lowercase(value: str) -> bool:
    """Rejects an all-lowercase value made of hex characters only (a hash fragment)."""
    return not (value.lower() == value and re.fullmatch(r"[0-9a-f ]+", value))


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": _luhn,
    "iban": _iban,
    "ip": _ip,
    "basic_auth": _basic_auth,
    "password_like": _password_like,
    "has_digit": _has_digit,
    "secret_like": _secret_like,
    "nhs": _nhs,
    "npi": _npi,
    "aba": _aba,
    "mac": _mac,
    "base58check": _base58check,
    "bech32": _bech32,
    "eip55": _eip55,
    "not_hex_lowercase": _not_hex_lowercase,
}

_FLAGS = {
    "IGNORECASE": re.IGNORECASE,
    "MULTILINE": re.MULTILINE,
    "DOTALL": re.DOTALL,
    "ASCII": re.ASCII,
}
_PARAMETRISED = re.compile(r"(?P<name>entropy)(?P<op>>=|>)(?P<value>\d+(?:\.\d+)?)")


@cache
def resolve_validator(name: str) -> Callable[[str], bool]:
    """The validator called ``name``: one of :data:`VALIDATORS`, or a parametrised form.

    Parametrised: ``entropy>X`` / ``entropy>=X`` — the value's Shannon entropy (bits per
    character, :func:`shannon_entropy`) exceeds / reaches ``X``. Raises ``KeyError``.
    """
    if name in VALIDATORS:
        return VALIDATORS[name]
    m = _PARAMETRISED.fullmatch(name)
    if m is None:
        raise KeyError(name)
    bound = float(m.group("value"))
    if m.group("op") == ">":
        return lambda value: shannon_entropy(value) > bound
    return lambda value: shannon_entropy(value) >= bound


def _combined(names: Sequence[str]) -> Callable[[str], bool] | None:
    checks = tuple(resolve_validator(n) for n in names)
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _names(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    raise TypeError(f"expected a string or a list, got {value!r}")


def compile_recognizer(spec: dict[str, Any], *, origin: str) -> Recognizer:
    """Build a :class:`Recognizer` from one YAML mapping; raises ``ValueError`` naming it."""
    name = str(spec.get("name", "?"))
    try:
        flags = 0
        for f in spec.get("flags", ()):
            flags |= _FLAGS[f]
        group = spec.get("group", 0)
        source = str(spec["regex"])
        regex = re.compile(source, flags)
        icase = None
        if spec.get("lowercase"):
            if _UPPERCASE_LITERAL.search(source) or flags & re.IGNORECASE:
                raise KeyError("lowercase: the regex must be lowercase, without IGNORECASE")
            icase = re.compile(source, flags | re.IGNORECASE)
        if isinstance(group, int) and not 0 <= group <= regex.groups:
            raise KeyError(f"group {group}")
        if isinstance(group, str) and group != FIRST_GROUP and group not in regex.groupindex:
            raise KeyError(f"group {group!r}")
        needs, context = spec.get("needs"), spec.get("context")
        return Recognizer(
            name=name,
            entity=str(spec["entity"]),
            regex=regex,
            group=group if isinstance(group, (int, str)) else 0,
            prefilter=tuple(str(p).lower() for p in spec.get("prefilter", ())),
            validator=_combined(_names(spec.get("validator"))),
            allow=tuple(re.compile(p, flags & re.ASCII) for p in _names(spec.get("allow"))),
            allow_match=tuple(
                re.compile(p, flags & re.ASCII) for p in _names(spec.get("allow_match"))
            ),
            stopwords=tuple(w.lower() for w in _names(spec.get("stopwords"))),
            icase=icase,
            needs=_compiled(str(needs)) if needs else None,
            context=re.compile(str(context)) if context else None,
            context_window=int(spec.get("context_window", 40)),
        )
    except (KeyError, re.error, TypeError) as exc:
        raise ValueError(f"{origin}: bad recognizer {name!r}: {exc!r}") from exc


#: An uppercase letter that is not an escape (``\S``, ``\W``, ``\Z`` …) or the ``P`` of
#: ``(?P<name>`` (group names must be lowercase too).
_UPPERCASE_LITERAL = re.compile(r"(?<!\\)(?<!\(\?)(?:\\\\)*[A-Z]")


def _with_defaults(spec: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` over the pack's ``defaults``: scalars are overridden, lists concatenated."""
    merged = dict(defaults)
    for key, value in spec.items():
        base = merged.get(key)
        if isinstance(base, list) and isinstance(value, list):
            merged[key] = list(dict.fromkeys([*base, *value]))
        else:
            merged[key] = value
    return merged


@cache
def _compiled(regex: str) -> re.Pattern[str]:
    # One object per distinct ``needs`` regex, so find_all's memo is shared across packs.
    return re.compile(regex)


@cache
def load_pack(filename: str) -> PatternPack:
    """Load and compile a YAML pack shipped in this package (cached: packs are immutable)."""
    import yaml

    raw = resources.files("mcp_llm_trace.privacy").joinpath(filename).read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    defaults = data.get("defaults") or {}
    recognizers = tuple(
        compile_recognizer(_with_defaults(spec, defaults), origin=filename)
        for spec in data.get("recognizers", ())
    )
    tables = {k: v for k, v in data.items() if k != "recognizers"}
    return PatternPack(recognizers=recognizers, tables=tables)
