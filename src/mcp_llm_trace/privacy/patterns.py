"""Regex recognizers loaded from data files (``secrets.yml``, ``pii.yml``).

A recognizer is data: a name, the entity type it reports, a regex, which group holds the
sensitive part, cheap literal pre-filters and an optional validator (Luhn, IBAN checksum,
…). Adding a pattern means editing YAML, not code; validators are the only code, and they
are looked up by name so a typo in the YAML fails at load time (and in the tests).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

__all__ = ["Finding", "PatternPack", "Recognizer", "find_all", "load_pack"]


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
    group: int | str = 0
    prefilter: tuple[str, ...] = ()  # lowercase literals; skip the regex unless one occurs
    validator: Callable[[str], bool] | None = None

    def find(self, text: str, lowered: str) -> Iterable[Finding]:
        """Findings in ``text`` (``lowered`` is ``text.lower()``, shared across recognizers)."""
        if self.prefilter and not any(p in lowered for p in self.prefilter):
            return
        for m in self.regex.finditer(text):
            start, end = m.span(self.group)
            if start < 0 or start == end:
                continue
            if self.validator is not None and not self.validator(text[start:end]):
                continue
            yield Finding(start, end, self.entity, self.name)


@dataclass(frozen=True)
class PatternPack:
    """A loaded data file: its recognizers plus free-form tables (keys, placeholders)."""

    recognizers: tuple[Recognizer, ...]
    tables: dict[str, Any]


def find_all(recognizers: Sequence[Recognizer], text: str) -> list[Finding]:
    """Every finding of every recognizer (unmerged; overlaps are resolved by the caller)."""
    lowered = text.lower()
    out: list[Finding] = []
    for r in recognizers:
        out.extend(r.find(text, lowered))
    return out


# ------------------------------------------------------------------ validators


def _luhn(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if not 12 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


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


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "luhn": _luhn,
    "iban": _iban,
    "ip": _ip,
    "basic_auth": _basic_auth,
    "password_like": _password_like,
    "has_digit": _has_digit,
}

_FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}


def compile_recognizer(spec: dict[str, Any], *, origin: str) -> Recognizer:
    """Build a :class:`Recognizer` from one YAML mapping; raises ``ValueError`` naming it."""
    name = str(spec.get("name", "?"))
    try:
        flags = 0
        for f in spec.get("flags", ()):
            flags |= _FLAGS[f]
        validator_name = spec.get("validator")
        group = spec.get("group", 0)
        return Recognizer(
            name=name,
            entity=str(spec["entity"]),
            regex=re.compile(str(spec["regex"]), flags),
            group=group if isinstance(group, (int, str)) else 0,
            prefilter=tuple(str(p).lower() for p in spec.get("prefilter", ())),
            validator=VALIDATORS[validator_name] if validator_name else None,
        )
    except (KeyError, re.error, TypeError) as exc:
        raise ValueError(f"{origin}: bad recognizer {name!r}: {exc!r}") from exc


@cache
def load_pack(filename: str) -> PatternPack:
    """Load and compile a YAML pack shipped in this package (cached: packs are immutable)."""
    import yaml

    raw = resources.files("mcp_llm_trace.privacy").joinpath(filename).read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    recognizers = tuple(
        compile_recognizer(spec, origin=filename) for spec in data.get("recognizers", ())
    )
    tables = {k: v for k, v in data.items() if k != "recognizers"}
    return PatternPack(recognizers=recognizers, tables=tables)
