"""Known placeholders and documentation examples, which are not secrets.

:class:`Placeholders` reads ``placeholders.yml`` (the rules are data: documented example
keys, marker words, whole-value patterns such as ``${VAR}`` or ``<your-key>``, runs of
``x``/``*``/``0``). The :class:`~mcp_llm_trace.privacy.Scrubber` drops a *secret* finding
whose value is a placeholder, centrally where findings are merged, so the rule holds for
every secret recognizer and pack; PII findings and user masks are never dropped.

Example::

    from mcp_llm_trace.privacy.placeholders import Placeholders
    p = Placeholders.default()
    p.is_placeholder("AKIAIOSFODNN7EXAMPLE")   # True (AWS's documented example)
    p.is_placeholder("sk-proj-XXXXXXXXXXXXXXXX")  # True (mask characters)
    p.is_placeholder("sk-proj-Xa81kQx0rT3xZ9mBvL2x")  # False (a key with some x's)
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from mcp_llm_trace.privacy.patterns import load_pack

__all__ = ["Placeholders"]

# "Bearer <token>", "Basic …", "Token …", "Bot …" (HTTP auth schemes before a value).
_SCHEME = re.compile(r"(?i)(?:bearer|basic|token|bot)\s+")
# A leading vendor segment: "sk-", "proj-", "ghp_", "xoxb-", "glpat-" (a letter first, so
# the digit groups of a real token are never stripped).
_SEGMENT = re.compile(r"[A-Za-z][A-Za-z0-9]{0,11}[-_]")
_MAX_SEGMENTS = 3
# Words and markers are only looked for in token-like values: in a URL or a connection
# string ("…@db.example.com", "Password=…;") they say nothing about the secret part.
_TOKENISH = re.compile(r"[^\s@;=]{1,200}")
_NEUTRAL = frozenset("-_ /:")


class Placeholders:
    """Decides whether a matched secret value is a placeholder (see ``placeholders.yml``)."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self.examples = frozenset(str(v) for v in tables.get("examples") or ())
        self.markers = tuple(str(v) for v in tables.get("markers") or ())
        words = [re.escape(str(w)) for w in tables.get("words") or ()]
        self._words = (
            re.compile(r"(?i)(?<![A-Za-z0-9])(?:" + "|".join(words) + r")(?![A-Za-z0-9])")
            if words
            else None
        )
        patterns = [str(p) for p in tables.get("patterns") or ()]
        self._patterns = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
        self.filler = frozenset(str(tables.get("filler", "")))
        self.filler_share = float(tables.get("filler_share", 0.75))
        self.filler_min = int(tables.get("filler_min", 4))

    @classmethod
    def default(cls) -> Placeholders:
        """The shipped rules (``placeholders.yml``), loaded once."""
        return _default()

    def is_placeholder(self, value: str) -> bool:
        """Whether ``value`` (the matched text of a secret finding) is a placeholder."""
        for form in _forms(value):
            if not form:
                continue
            if form in self.examples:
                return True
            if self._patterns is not None and self._patterns.fullmatch(form):
                return True
            if self._mostly_filler(form):
                return True
            if _TOKENISH.fullmatch(form) and (
                any(m in form for m in self.markers)
                or (self._words is not None and self._words.search(form) is not None)
            ):
                return True
        return False

    def is_placeholder_at(self, text: str, start: int, end: int) -> bool:
        """:meth:`is_placeholder` for ``text[start:end]``, or a template that starts there
        and covers it: a ``key=value`` finding stops at whitespace, so in
        ``api_key: {{ .Values.apiKey }}`` it holds only ``{{``."""
        if self.is_placeholder(text[start:end]):
            return True
        if self._patterns is None:
            return False
        m = self._patterns.match(text, start)
        return m is not None and m.end() >= end and "\n" not in text[start : m.end()]

    def _mostly_filler(self, form: str) -> bool:
        counted = [c for c in form if c not in _NEUTRAL]
        fill = sum(c in self.filler for c in counted)
        return fill >= self.filler_min and fill >= self.filler_share * len(counted)


def _forms(value: str) -> Iterator[str]:
    """``value`` trimmed, then without an auth scheme, then without vendor segments."""
    v = value.strip().strip("\"'").rstrip(",;").strip()
    yield v
    m = _SCHEME.match(v)
    if m:
        v = v[m.end() :]
        yield v
    for _ in range(_MAX_SEGMENTS):
        m = _SEGMENT.match(v)
        if m is None or m.end() == len(v):
            return
        v = v[m.end() :]
        yield v


@cache
def _default() -> Placeholders:
    return Placeholders(load_pack("placeholders.yml").tables)
