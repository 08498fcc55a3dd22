"""Plausibility checks applied to PII findings (Presidio's and the regex pack's).

Presidio's phone recognizer (python-phonenumbers over several regions) accepts many bare
digit runs — epoch timestamps, byte counts, fractional seconds, version triples. These
checks remove findings that are technical numbers, measured on tests/corpus; they never
drop a finding with phone-like structure (``+``, parentheses, or 3+ separated groups).
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["MIN_PHONE_DIGITS", "plausible"]

#: Fewer digits than this is never a phone finding (also bounds where Presidio looks:
#: ``phone_islands.py``).
MIN_PHONE_DIGITS = 7

_PHONE_CONTEXT = re.compile(
    r"(?i)(?:phone|tel|mobile|cell|call|fax|whatsapp|sms|contact|telefon|téléphone|portable"
    r"|handy|rufnummer|numéro|number|nummer|no\.)\W{0,3}(?:\w+\W{1,3}){0,3}$"
)

_UNIT = re.compile(r"\s*(?:ms|us|µs|ns|s|sec|bytes|b|kb|mb|tokens|items|rows)\b", re.IGNORECASE)


def _phone(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    digits = sum(c.isdigit() for c in value)
    if digits < MIN_PHONE_DIGITS:
        return False
    if value.lstrip().startswith(("+", "(")):
        return True
    groups = re.findall(r"\d+", value)
    seps = set(re.findall(r"[^\d]", value.strip()))
    # "0.405842", "16.8.109", "03.365669": decimals and versions, unless 3+ groups of 2+
    # digits ("558.944.9367").
    if "." in seps and seps <= {"."} and (len(groups) < 3 or min(map(len, groups)) < 2):
        return False
    if len(groups) == 1:
        # A bare digit run: a phone with a trunk prefix (0…), a phone word before it, or
        # ten digits starting 2-9 (NANP / Indian mobile; epoch seconds start with 1)
        # not followed by a unit.
        before = text[max(0, start - 40) : start]
        if value.startswith("0") or _PHONE_CONTEXT.search(before):
            return True
        return digits == 10 and value[0] in "23456789" and not _UNIT.match(text, end)
    # Part of a timestamp/time ("14:59:02.974867", "2016-11-24")?
    prev = text[start - 1] if start > 0 else " "
    return prev not in ":T"


def _ip(text: str, start: int, end: int) -> bool:
    try:
        addr = ipaddress.ip_address(text[start:end].strip("[]").split("%")[0].split("/")[0])
    except ValueError:
        return True  # Presidio's own validation accepted it; keep (fail closed)
    return not (addr.is_unspecified or addr.is_loopback)


_LOWER_HEX = re.compile(r"[0-9a-f ]+")


def _nino(text: str, start: int, end: int) -> bool:
    # Presidio matches NINOs case-insensitively: "ce123456a" is a hex fragment (a short
    # hash), not a National Insurance number. Upper case and non-hex lower case stay.
    return _LOWER_HEX.fullmatch(text[start:end]) is None


def _mac(text: str, start: int, end: int) -> bool:
    # Cisco-style "hhhh.hhhh.hhhh" made of decimal digits only is a dotted build or date
    # number ("2024.0318.1200"); a real MAC has a hex letter in 99.6 % of cases.
    value = text[start:end]
    return "." not in value or any(c in "abcdefABCDEF" for c in value)


def plausible(entity: str, text: str, start: int, end: int) -> bool:
    """Whether a PII finding of ``entity`` at ``text[start:end]`` should be kept."""
    if entity == "PHONE_NUMBER":
        return _phone(text, start, end)
    if entity == "IP_ADDRESS":
        return _ip(text, start, end)
    if entity == "UK_NINO":
        return _nino(text, start, end)
    if entity == "MAC_ADDRESS":
        return _mac(text, start, end)
    return True
