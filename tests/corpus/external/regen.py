"""Seeded random strings that match a regular expression (a generator over ``re._parser``).

Used by ``build.py`` to make secret values from the *formats* of public rule sets, never
from their test strings. Independent of the package under test: nothing here imports
``mcp_llm_trace``, and the random source is the caller's own ``random.Random``.

Also: :func:`go_to_python`, a translation of the Go RE2 syntax used by gitleaks into
Python's ``re`` syntax (mid-pattern ``(?i)``, ``\\z``, POSIX classes), and :func:`entropy`
(Shannon entropy in bits per character, as gitleaks computes it).

    rng = random.Random(1)
    tree = parse(r"ghp_[0-9a-zA-Z]{36}")
    value, groups = generate(tree, rng)
"""

from __future__ import annotations

import importlib
import math
import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

try:  # Python 3.11+
    _c: Any = importlib.import_module("re._constants")
    _p: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _c = importlib.import_module("sre_constants")
    _p = importlib.import_module("sre_parse")

__all__ = [
    "GenError",
    "entropy",
    "generate",
    "generate_parts",
    "go_to_python",
    "is_delimiter",
    "parse",
]

#: Characters a generated value may contain where the regex allows "anything" (``.``,
#: ``\S``, negated classes): printable ASCII without quotes, backslash, backtick,
#: whitespace and the characters that would need escaping in JSON/YAML/shell contexts.
SAFE = string.ascii_letters + string.digits + "-_.+/=:@!#%&*~^"
_WORD = string.ascii_letters + string.digits + "_"
_SPACE = " "
_CATEGORY: dict[Any, str] = {
    _c.CATEGORY_DIGIT: string.digits,
    _c.CATEGORY_NOT_DIGIT: "".join(ch for ch in SAFE if not ch.isdigit()),
    _c.CATEGORY_WORD: _WORD,
    _c.CATEGORY_NOT_WORD: "".join(ch for ch in SAFE if ch not in _WORD),
    _c.CATEGORY_SPACE: _SPACE,
    _c.CATEGORY_NOT_SPACE: SAFE,
}
#: How far above its minimum an open or wide repeat may go.
_SPAN = 12


class GenError(ValueError):
    """The pattern uses a construct the generator does not support."""


@dataclass
class _State:
    rng: random.Random
    groups: dict[int, str] = field(default_factory=dict)
    ignorecase: bool = False
    repeat_depth: int = 0


def parse(pattern: str, flags: int = 0) -> Any:
    """The ``re`` parse tree of ``pattern`` (Python syntax)."""
    return _p.parse(pattern, flags)


def generate(tree: Any, rng: random.Random) -> tuple[str, dict[int, str]]:
    """A random string matched by ``tree`` and the text of each capturing group."""
    state = _State(rng, ignorecase=bool(tree.state.flags & re.IGNORECASE))
    text = _gen_seq(list(tree), state)
    return text, dict(state.groups)


def _gen_seq(items: list[tuple[Any, Any]], st: _State) -> str:
    return "".join(_gen_item(op, av, st) for op, av in items)


def _gen_item(op: Any, av: Any, st: _State) -> str:
    if op is _c.LITERAL:
        return chr(av)
    if op is _c.NOT_LITERAL:
        return st.rng.choice([ch for ch in SAFE if ord(ch) != av])
    if op is _c.ANY:
        # A lone unescaped "." in rule sets nearly always means a literal dot
        # (``hooks.slack.com``); inside a repeat it is "any character".
        return st.rng.choice(SAFE) if st.repeat_depth else "."
    if op is _c.IN:
        return st.rng.choice(_class_chars(av, st.ignorecase))
    if op is _c.BRANCH:
        return _gen_seq(list(st.rng.choice(av[1])), st)
    if op is _c.SUBPATTERN:
        group, add_flags, del_flags, sub = av
        saved = st.ignorecase
        if add_flags & re.IGNORECASE:
            st.ignorecase = True
        if del_flags & re.IGNORECASE:
            st.ignorecase = False
        text = _gen_seq(list(sub), st)
        st.ignorecase = saved
        if group is not None:
            st.groups[group] = text
        return text
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
        lo, hi, sub = av
        many = hi is _c.MAXREPEAT or hi > 1
        st.repeat_depth += many
        n = _count(lo, hi, sub, st.rng)
        text = "".join(_gen_seq(list(sub), st) for _ in range(n))
        st.repeat_depth -= many
        return text
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _gen_seq(list(av), st)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return ""  # anchors and lookarounds: the context decides; build.py verifies
    if op is _c.GROUPREF:
        return st.groups.get(av, "")
    if op is _c.GROUPREF_EXISTS:
        group, yes, no = av
        branch = yes if group in st.groups else no
        return _gen_seq(list(branch), st) if branch is not None else ""
    raise GenError(f"unsupported regex construct {op}")


def _count(lo: int, hi: int, sub: Any, rng: random.Random) -> int:
    top = lo + max(_SPAN, lo // 2)
    if hi is _c.MAXREPEAT or hi > top:
        hi = top
    items = list(sub)
    # Padding such as ``={0,3}`` is usually absent in real tokens.
    if lo == 0 and len(items) == 1 and items[0] == (_c.LITERAL, ord("=")) and rng.random() < 0.7:
        return 0
    return rng.randint(lo, hi)


_CLASS_CACHE: dict[tuple[Any, bool], str] = {}


def _class_chars(items: list[tuple[Any, Any]], ignorecase: bool) -> str:
    key = (repr(items), ignorecase)
    hit = _CLASS_CACHE.get(key)
    if hit is not None:
        return hit
    negate = False
    chars: set[str] = set()
    full_alpha = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE:
            lo, hi = av
            span = {chr(i) for i in range(lo, hi + 1) if 32 <= i < 127}
            chars |= span
            full_alpha = full_alpha or set(string.ascii_lowercase) <= span
            full_alpha = full_alpha or set(string.ascii_uppercase) <= span
        elif op is _c.CATEGORY:
            chars |= set(_CATEGORY[av])
        else:
            raise GenError(f"unsupported class item {op}")
    if ignorecase and full_alpha:
        # (?i)[a-z0-9] tokens are mixed case in the wild; (?i)[a-f0-9] hex stays as written.
        chars |= {ch.swapcase() for ch in chars if ch.isalpha()}
    if negate:
        chars = set(SAFE) - chars
    out = "".join(sorted(ch for ch in chars if ch.isprintable() and ch not in "\t\r\n\x0b\x0c"))
    if not out:
        raise GenError(f"empty character class {items!r}")
    _CLASS_CACHE[key] = out
    return out


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character (gitleaks' ``entropy`` field)."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


# ------------------------------------------------------------------ Go RE2 -> Python re

_POSIX = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "xdigit": "0-9a-fA-F",
    "upper": "A-Z",
    "lower": "a-z",
    "space": r" \t\r\n\v\f",
    "word": r"\w",
    "punct": r"!-/:-@\[-`{-~",
}
_FLAG_GROUP = re.compile(r"\(\?(-?[imsU]+(?:-[imsU]+)?)\)")


def go_to_python(pattern: str) -> str:
    """Translate a Go (RE2) pattern as written in gitleaks.toml into Python ``re`` syntax.

    Handles: flag groups such as ``(?i)`` after the start (Go scopes them to the end of
    the enclosing group; Python only accepts them at the start), ``\\z``, and POSIX
    classes like ``[[:alnum:]]``.
    """
    for name, body in _POSIX.items():
        pattern = pattern.replace(f"[:{name}:]", body)
    pattern = pattern.replace(r"\z", r"\Z")
    return _scope_flags(pattern)


def _scope_flags(p: str) -> str:
    out: list[str] = []
    # per open group (the last entry is the top level): flag groups opened in it
    scopes: list[list[str]] = [[]]
    i = 0
    in_class = False
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            out.append(p[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            j = i + 1  # a leading ] or ^] is a literal
            if p[j : j + 1] == "^":
                out.append("^")
                j += 1
            if p[j : j + 1] == "]":
                out.append("]")
                j += 1
            i = j
            continue
        m = _FLAG_GROUP.match(p, i)
        if m and i > 0:
            out.append(f"(?{m.group(1)}:")
            scopes[-1].append(m.group(1))
            i = m.end()
            continue
        if ch == "(":
            scopes.append([])
        elif ch == ")":
            out.append(")" * len(scopes.pop() if len(scopes) > 1 else []))
        elif ch == "|" and scopes[-1]:
            # Go: the flags hold to the end of the group, across alternatives.
            out.append(")" * len(scopes[-1]) + "|" + "".join(f"(?{f}:" for f in scopes[-1]))
            i += 1
            continue
        out.append(ch)
        i += 1
    out.append(")" * len(scopes[0]))
    return "".join(out)


def generate_parts(tree: Any, rng: random.Random) -> tuple[list[str], dict[int, str]]:
    """Like :func:`generate`, but the text of each top-level item separately."""
    state = _State(rng, ignorecase=bool(tree.state.flags & re.IGNORECASE))
    parts = [_gen_item(op, av, state) for op, av in list(tree)]
    return parts, dict(state.groups)


def is_delimiter(item: tuple[Any, Any], *, leading: bool) -> bool:
    """Whether a top-level item is a boundary condition (``\\b``, ``(?:^|[\\s'"])`` …)
    rather than part of the token: an anchor, a lookaround, or an alternation one of
    whose alternatives is just an anchor at that end."""
    op, av = item
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return True
    if op is _c.SUBPATTERN and av[0] is None and len(av[3]) == 1:
        op, av = next(iter(av[3]))
    if op is not _c.BRANCH:  # (?:…|…) without flags is inlined by the parser
        return False
    ends = {_c.AT_BEGINNING, _c.AT_BEGINNING_STRING} if leading else {_c.AT_END, _c.AT_END_STRING}
    for alt in av[1]:
        items = list(alt)
        if len(items) == 1 and items[0][0] is _c.AT and items[0][1] in ends:
            return True
    return False
