"""Random strings that match a regex: a small, seeded generator over Python's regex parser.

Used to build positive samples for every secret rule from the rule's own regex (never
from upstream test strings), and by ``scripts/gen_secret_rules.py`` to check which upstream
rules our hand-written pack already covers.

It walks the parse tree of ``re._parser`` (``sre_parse`` on Python 3.10): literals, sets,
alternations, groups, repeats (capped: at most ``max_extra`` above the minimum) and back
references are generated; anchors, word boundaries and lookarounds produce nothing — the
caller checks the result in its context with the real regex and draws again if it does not
match (:func:`matching_sample`). Under ``IGNORECASE`` letters get a random case, as real
tokens of ``(?i)`` rules have. Only printable ASCII (plus tab) is produced unless a set
allows nothing else.

Example::

    rng = random.Random(7)
    s = sample(r"ghp_[0-9a-zA-Z]{36}", rng)
    assert re.fullmatch(r"ghp_[0-9a-zA-Z]{36}", s)
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

if sys.version_info >= (3, 11):
    import re._constants as _c
    import re._parser as _p
else:  # pragma: no cover - Python 3.10
    import sre_constants as _c
    import sre_parse as _p

__all__ = ["group_sample", "matching_sample", "sample"]

_PRINTABLE = [chr(i) for i in range(32, 127)] + ["\t"]
_ALL = [*_PRINTABLE, "\n", "\r", "\x0b", "\x0c"]
_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    _c.CATEGORY_DIGIT: lambda ch: ch.isdigit(),
    _c.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdigit(),
    _c.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    _c.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
    _c.CATEGORY_SPACE: lambda ch: ch in " \t\n\r\x0b\x0c",
    _c.CATEGORY_NOT_SPACE: lambda ch: ch not in " \t\n\r\x0b\x0c",
}
_SPACE_PREFERENCE = (" ", "\t")
#: ``.`` is often a sloppy ``\.`` in secret rules (``hooks.slack.com``): draw it that often.
_DOT_BIAS = 0.3
_SET_CACHE: dict[tuple[int, bool], tuple[Any, list[str]]] = {}


def _is(lit: str) -> Callable[[str], bool]:
    return lambda ch: ch == lit


def _between(lo: int, hi: int) -> Callable[[str], bool]:
    return lambda ch: lo <= ord(ch) <= hi


class _Gen:
    def __init__(self, rng: random.Random, max_extra: int, dotall: bool) -> None:
        self.rng = rng
        self.max_extra = max_extra
        self.dotall = dotall
        self.groups: dict[int, str] = {}

    def seq(self, items: Any, icase: bool) -> str:
        return "".join(self.item(op, av, icase) for op, av in items)

    def case(self, ch: str, icase: bool) -> str:
        if icase and ch.isalpha() and self.rng.random() < 0.5:
            return ch.swapcase()
        return ch

    def choose(self, allowed: Sequence[str], icase: bool) -> str:
        if not allowed:
            raise ValueError("empty character set")
        spaces = [c for c in _SPACE_PREFERENCE if c in allowed]
        if spaces and all(c.isspace() for c in allowed):
            return spaces[0]
        return self.case(self.rng.choice(allowed), icase)

    def charset(self, items: Any, icase: bool) -> list[str]:
        key = (id(items), icase)
        hit = _SET_CACHE.get(key)
        if hit is None or hit[0] is not items:
            hit = _SET_CACHE[key] = (items, self._charset(items, icase))
        return hit[1]

    def _charset(self, items: Any, icase: bool) -> list[str]:
        negate = False
        tests: list[Callable[[str], bool]] = []
        for op, av in items:
            if op is _c.NEGATE:
                negate = True
            elif op is _c.LITERAL:
                tests.append(_is(chr(av)))
            elif op is _c.RANGE:
                tests.append(_between(*av))
            elif op is _c.CATEGORY:
                tests.append(_CATEGORIES[av])
            else:  # pragma: no cover - not produced for the rules we generate from
                raise ValueError(f"unsupported set item {op}")

        def member(ch: str) -> bool:
            hit = any(t(ch) for t in tests)
            if icase and not hit and ch.isalpha():
                hit = any(t(ch.swapcase()) for t in tests)
            return hit != negate

        allowed = [ch for ch in _PRINTABLE if member(ch)]
        return allowed or [ch for ch in _ALL if member(ch)]

    def item(self, op: Any, av: Any, icase: bool) -> str:
        if op is _c.LITERAL:
            return self.case(chr(av), icase)
        if op is _c.NOT_LITERAL:
            return self.choose([ch for ch in _PRINTABLE if ch.lower() != chr(av).lower()], False)
        if op is _c.ANY:
            if self.rng.random() < _DOT_BIAS:
                return "."
            return self.choose(_PRINTABLE if not self.dotall else _ALL, False)
        if op is _c.IN:
            return self.choose(self.charset(av, icase), False)
        if op is _c.BRANCH:
            return self.seq(self.rng.choice(av[1]), icase)
        if op is _c.SUBPATTERN:
            group, add_flags, del_flags, sub = av
            if add_flags & re.IGNORECASE:
                icase = True
            if del_flags & re.IGNORECASE:
                icase = False
            text = self.seq(sub, icase)
            if group is not None:
                self.groups[group] = text
            return text
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + self.max_extra if hi is _c.MAXREPEAT else min(hi, lo + self.max_extra)
            return "".join(self.seq(sub, icase) for _ in range(self.rng.randint(lo, hi)))
        if op is getattr(_c, "ATOMIC_GROUP", None):
            return self.seq(av, icase)
        if op is _c.GROUPREF:
            return self.groups.get(av, "")
        if op is _c.GROUPREF_EXISTS:
            group, yes, no = av
            branch = yes if group in self.groups else no
            return self.seq(branch, icase) if branch is not None else ""
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return ""  # checked by the caller against the real regex
        raise ValueError(f"unsupported regex element {op}")  # pragma: no cover


@lru_cache(maxsize=1024)
def _parse(source: str, flags: int) -> Any:
    return _p.parse(source, flags)


def sample(pattern: str | re.Pattern[str], rng: random.Random, *, max_extra: int = 12) -> str:
    """One random string built from ``pattern``'s parse tree (it usually matches it).

    Anchors and lookarounds are not enforced; use :func:`matching_sample` to get a string
    that the regex really matches in a context.
    """
    if isinstance(pattern, re.Pattern):
        source, flags = pattern.pattern, pattern.flags
    else:
        source, flags = pattern, 0
    tree = _parse(source, flags)
    all_flags = tree.state.flags
    gen = _Gen(rng, max_extra, bool(all_flags & re.DOTALL))
    return gen.seq(tree, bool(all_flags & re.IGNORECASE))


def matching_sample(
    regex: re.Pattern[str],
    rng: random.Random,
    accept: Callable[[str], bool],
    *,
    tries: int = 200,
    max_extra: int = 12,
) -> str:
    """A sample of ``regex`` for which ``accept(sample)`` holds (raises after ``tries``).

    ``accept`` typically embeds the sample in a sentence and checks that the recognizer
    under test finds it there (anchors, boundaries, validators, keywords).
    """
    for _ in range(tries):
        candidate = sample(regex, rng, max_extra=max_extra)
        if accept(candidate):
            return candidate
    raise ValueError(f"no accepted sample of {regex.pattern!r} in {tries} tries")


def group_sample(
    regex: re.Pattern[str],
    group: int,
    rng: random.Random,
    accept: Callable[[str], bool],
    *,
    tries: int = 200,
    max_extra: int = 12,
) -> str:
    """What capture ``group`` of a random sample of ``regex`` holds, for which
    ``accept(value)`` holds (raises after ``tries``)."""
    tree = _parse(regex.pattern, regex.flags)
    all_flags = tree.state.flags
    for _ in range(tries):
        gen = _Gen(rng, max_extra, bool(all_flags & re.DOTALL))
        gen.seq(tree, bool(all_flags & re.IGNORECASE))
        value = gen.groups.get(group, "")
        if value and accept(value):
            return value
    raise ValueError(f"no accepted value of group {group} of {regex.pattern!r}")
