"""Phone matching only where a phone number we would keep can be: "islands" of the text.

Presidio's phone recognizer runs python-phonenumbers' ``PhoneNumberMatcher`` over the
whole text once per configured region, and tries to parse every digit run it meets (hex
hashes, UUIDs, timestamps …) — two thirds of Presidio's cost. Two facts make most of
that work provably useless:

* A matcher candidate is a match of ``phonenumbermatcher._PATTERN``. Characters that no
  part of that pattern can match (*barriers*: most letters, quotes, braces, newlines …)
  can never be inside a candidate, so candidates never cross them. Between barriers lie
  *islands*; the matcher's result inside an island depends only on the island and on the
  one character either side (its leniency check looks at the neighbours; the timestamp
  suffix check starts with ``:``, itself an island character). Running the matcher on
  ``text[island_start - 1 : island_end + 1]`` therefore finds exactly the matches it
  finds there in the full text.
* :func:`mcp_llm_trace.privacy.filters.plausible` drops every phone finding with fewer
  than :data:`~mcp_llm_trace.privacy.filters.MIN_PHONE_DIGITS` digits, so an island with
  fewer digits (every digit of a match is an island digit) cannot yield a kept finding.

The barrier set is derived at build time from the installed phonenumbers' own pattern
(:func:`barrier_class`); if that pattern uses a construct the derivation does not
understand, it returns ``None`` and the matcher runs on the whole text as before.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["barrier_class", "island_regex", "phone_windows"]

_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")
_QUANTIFIER = re.compile(r"\{\d*,?\d*\}")


def barrier_class(pattern: str, flags: int) -> str | None:
    """A regex character class of the characters ``pattern`` can never match, or ``None``.

    Works for patterns built from character classes, ``\\d``, escaped punctuation and
    literal characters joined by groups, alternation and quantifiers (phonenumbers'
    matcher pattern). Anything else (``.``, ``\\s``, ``\\w``, negated classes,
    look-arounds) returns ``None``: no barrier is then assumed.
    """
    classes = _CLASS.findall(pattern)
    if any(c.startswith("[^") for c in classes):
        return None
    rest = _QUANTIFIER.sub("", _CLASS.sub("", pattern)).replace("(?:", "(")
    if "(?" in rest:
        return None
    atoms: list[str] = [*classes, r"\d"]
    i = 0
    while i < len(rest):
        ch = rest[i]
        if ch == "\\":
            nxt = rest[i + 1 : i + 2]
            if nxt.isalnum() and nxt not in ("d", "t"):
                return None  # \s, \w, \b, \1 …: not understood
            atoms.append("\\" + nxt)
            i += 2
            continue
        if ch == ".":
            return None  # any character
        if ch not in "()|?*+":
            atoms.append(re.escape(ch))
        i += 1
    atom = re.compile("(?:" + "|".join(atoms) + ")", flags)
    # Only the BMP is classified; other characters are treated as island characters
    # (never a barrier), which can only make islands larger.
    barriers = [
        cp
        for cp in range(0x10000)
        if not 0xD800 <= cp <= 0xDFFF and atom.fullmatch(chr(cp)) is None
    ]
    return "[" + _ranges(barriers) + "]" if barriers else None


def _ranges(codepoints: list[int]) -> str:
    out: list[str] = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], sys.maxunicode + 2]:
        if cp == prev + 1:
            prev = cp
            continue
        out.append(_esc(start) if start == prev else f"{_esc(start)}-{_esc(prev)}")
        start = prev = cp
    return "".join(out)


def _esc(cp: int) -> str:
    return f"\\u{cp:04x}"


def island_regex(barriers: str) -> re.Pattern[str]:
    """Maximal runs of non-barrier characters."""
    return re.compile("[^" + barriers[1:-1] + "]+")


def phone_windows(
    text: str, islands: re.Pattern[str], min_digits: int
) -> Iterator[tuple[int, int]]:
    """``(lo, hi)`` of each window to match in: an island with at least ``min_digits``
    digits plus its neighbour character on each side."""
    n = len(text)
    found = _dense(islands.pattern, min_digits) if min_digits > 0 else islands
    for m in found.finditer(text):
        a, b = m.span()
        yield max(0, a - 1), min(n, b + 1)


@lru_cache(maxsize=8)
def _dense(islands: str, min_digits: int) -> re.Pattern[str]:
    """The islands (``[^barriers]+``) holding at least ``min_digits`` digits, found by one
    regex: a match starts where no island character precedes (an island's start), takes
    ``min_digits`` digits with the island's other characters between them, then the rest
    of the island — so it fails on an island with fewer digits, and later starts inside
    that island fail the look-behind."""
    assert islands.startswith("[^"), islands
    assert islands.endswith("]+"), islands
    inner = islands[2:-2]
    return re.compile(rf"(?<![^{inner}])(?:[^{inner}\d]*\d){{{min_digits}}}[^{inner}]*")
