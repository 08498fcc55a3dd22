"""Sensitive key names: structured keys (attributes, JSON, headers) and ``key=value`` text.

Two jobs, one key list (the configured ``sensitive_fields`` plus the ``assignment_keys``
of ``secrets.yml``):

* :meth:`FieldRules.is_sensitive_key` — a span attribute key, JSON object key or HTTP
  header name whose value is always masked, whatever it looks like;
* :meth:`FieldRules.find` — ``password=…``, ``"api_key": "…"``, ``Authorization: …``,
  ``--token …`` inside free text, where only the value is replaced.

Matching is case-insensitive; a key matches an entry exactly or by suffix after ``_``,
``-`` or ``.`` (``DB_PASSWORD``, ``x-api-key``, ``http.request.header.authorization``), so
``max_tokens`` or ``token_count`` never match ``token``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from functools import lru_cache

from mcp_llm_trace.privacy.patterns import Finding

__all__ = ["FieldRules"]

_SENSITIVE_FIELD = "SENSITIVE_FIELD"
# Unquoted values that are English words, not secrets ("token: the one you got").
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "was",
        "be",
        "are",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "by",
        "and",
        "or",
        "not",
        "no",
        "yes",
        "required",
        "optional",
        "empty",
        "missing",
        "invalid",
        "see",
        "here",
        "there",
        "this",
        "that",
        "it",
        "its",
        "your",
        "my",
        "our",
        "their",
        "below",
        "above",
        "following",
        "provided",
    ]
)


# An unquoted value that is a call, subscript or generic: ``getpass.getpass(…)``,
# ``os.environ[…]``, ``Optional[str]``.
_CODE = re.compile(r"[A-Za-z_][\w.]*[(\[]")


def _key_alternation(keys: Iterable[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(set(keys), key=len, reverse=True))


class FieldRules:
    """Compiled rules for one set of sensitive key names (immutable, thread-safe).

    Example::

        rules = FieldRules(["password"], {"SECRET": ["api_key"]}, ["authorization"], [])
        assert rules.is_sensitive_key("DB_PASSWORD")
        assert not rules.is_sensitive_key("max_tokens")
    """

    def __init__(
        self,
        sensitive_fields: Sequence[str],
        assignment_keys: Mapping[str, Sequence[str]],
        line_value_keys: Sequence[str],
        placeholders: Sequence[str],
    ) -> None:
        self._entity_of: dict[str, str] = {}
        for entity, keys in assignment_keys.items():
            for k in keys:
                self._entity_of[k.lower()] = entity
        for f in sensitive_fields:
            self._entity_of.setdefault(f.lower(), _SENSITIVE_FIELD)
        self.keys = frozenset(self._entity_of)
        line_keys = [k.lower() for k in line_value_keys]
        other_keys = [k for k in self.keys if k not in line_keys]
        self._placeholders = [re.compile(p, re.IGNORECASE) for p in placeholders]
        prefix = r"(?P<dash>--)?(?<![A-Za-z0-9])("
        tail = (
            r")(?![A-Za-z0-9_])(?:\\?[\"'])?"  # the closing quote of a quoted key
            r"[ \t]*(?:(?::=|=>|[:=])|(?(dash)[ \t]|(?!)))[ \t]*"
        )
        quoted = (
            r"\\\"(?P<ve>(?:[^\"\\]|\\[^\"])*)\\\""
            r"|\"(?P<vq>(?:[^\"\\\r\n]|\\.)*)\""
            r"|'(?P<vs>(?:[^'\\\r\n]|\\.)*)'"
        )
        self._regexes: list[tuple[re.Pattern[str], bool]] = []
        if other_keys:
            self._regexes.append(
                (
                    re.compile(
                        prefix
                        + f"(?P<key>{_key_alternation(other_keys)})"
                        + tail
                        + f"(?:{quoted}|(?P<vu>[^\\s,;\"'`<>\\\\]+))",
                        re.IGNORECASE,
                    ),
                    False,
                )
            )
        if line_keys:
            self._regexes.append(
                (
                    re.compile(
                        prefix
                        + f"(?P<key>{_key_alternation(line_keys)})"
                        + tail
                        + f'(?:{quoted}|(?P<vu>(?:[^\\r\\n"\'\\\\]|\\\\(?![nr"]))+))',
                        re.IGNORECASE,
                    ),
                    True,
                )
            )
        self._prefilter = tuple(self.keys)

    # ------------------------------------------------------------ structured keys

    def is_sensitive_key(self, key: str) -> bool:
        """Whether values under ``key`` are always masked (attribute/JSON/header key)."""
        return _match_key(self.keys, key.lower()) is not None

    def entity_for_key(self, key: str) -> str:
        """The entity type reported for a masked value under ``key``."""
        hit = _match_key(self.keys, key.lower())
        return self._entity_of.get(hit or "", _SENSITIVE_FIELD)

    # ------------------------------------------------------------ free text

    def find(
        self, text: str, lowered: str, literals: AbstractSet[str] | None = None
    ) -> list[Finding]:
        """``key=value`` style assignments in ``text``; the findings cover values only.

        ``literals``, when given, holds every key of :attr:`keys` that occurs in
        ``lowered`` (among other literals) and replaces the search for them."""
        if literals is not None:
            if literals.isdisjoint(self.keys):
                return []
        elif not any(k in lowered for k in self._prefilter):
            return []
        out: list[Finding] = []
        for regex, _line in self._regexes:
            for m in regex.finditer(text):
                group = next(g for g in ("ve", "vq", "vs", "vu") if m.group(g) is not None)
                start, end = m.span(group)
                value = text[start:end].strip()
                if group == "vu":
                    value = value.rstrip(")]},")  # "f(password=password)"
                if not value or self._is_placeholder(value, m.group("key"), group == "vu"):
                    continue
                if group == "vu" and _CODE.match(value):
                    continue  # a call or subscript: code, not a literal secret
                entity = self._entity_of.get(m.group("key").lower(), _SENSITIVE_FIELD)
                out.append(Finding(start, end, entity, "field:" + m.group("key").lower()))
        return out

    def _is_placeholder(self, value: str, key: str, unquoted: bool) -> bool:
        low = value.lower()
        if low == key.lower() or low in self.keys:
            return True  # api_key=api_key: passing a variable along
        if unquoted and low in _STOPWORDS:
            return True
        return any(p.search(value) for p in self._placeholders)


@lru_cache(maxsize=4096)
def _match_key(keys: frozenset[str], key: str) -> str | None:
    last = key.rsplit(".", 1)[-1]
    if last in keys:
        return last
    for i, ch in enumerate(last):
        if ch in "_-" and last[i + 1 :] in keys:
            return last[i + 1 :]
    return None
