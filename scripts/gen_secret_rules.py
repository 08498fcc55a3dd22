"""Generate src/mcp_llm_trace/privacy/secrets_public.yml from the vendored gitleaks rules.

Usage::

    python scripts/gen_secret_rules.py           # rewrite secrets_public.yml
    python scripts/gen_secret_rules.py --check   # exit 1 if the file is out of date
    python scripts/gen_secret_rules.py --stress  # also time every regex on hostile text

Input (offline, vendored): ``scripts/data/gitleaks/gitleaks.toml`` (gitleaks' default rule
set, MIT), its ``LICENSE`` and ``upstream.json`` (version, commit, sha256 of the toml).
To refresh: copy a newer ``config/gitleaks.toml`` from a gitleaks checkout over the
vendored one, update ``upstream.json`` (version, commit, sha256), run this script, then
``tests/unit/test_privacy_public_rules.py``; review new rules listed as skipped.

Conversion (Go RE2 -> Python ``re``, see :func:`convert_regex`):

* mid-pattern flag groups ``(?i)`` become scoped groups ``(?i:...)`` up to the end of the
  enclosing group (re-opened after each ``|``, as RE2's flags run to the group's end);
  ``[[:alnum:]]``-style POSIX classes are expanded, ``\\z`` becomes ``\\Z``, set members
  that Python would read as nested sets are escaped; every pattern is compiled with
  ``re.ASCII`` (RE2's ``\\w``, ``\\d``, ``\\b`` are ASCII);
* the leading ``[\\w.-]{0,50}?`` of keyword-anchored rules is dropped: it only widens the
  reported match to the start of the key name and costs up to 50 steps per position; the
  secret found is the same;
* ``keywords`` -> ``prefilter`` (lowercased); ``secretGroup`` -> ``group``; without it,
  ``group: 1`` when the regex has one capture group, ``group: first`` (first non-empty
  group, gitleaks' rule) when it has several;
* a pattern that is case-insensitive as a whole (leading ``(?i)``, no ``(?-i:``) is
  written in lowercase with ``lowercase: true``: it runs on the lowercased text, where
  ``re`` keeps its fast literal search (see ``Recognizer.icase``);
* a leading ``\\b`` before a literal word character ``x`` becomes ``x(?<!\\wx)`` (same
  test, made after ``x``, so the search can skip to the next ``x``);
* ``entropy: X`` -> validator ``entropy>X`` (Shannon entropy of the secret, bits/char);
* rule allowlists: ``regexes`` on the secret -> ``allow``, on the match -> ``allow_match``,
  ``stopwords`` -> ``stopwords``; the global allowlist's regexes and stopwords go to
  ``defaults`` (applied to every rule of this file). Path and commit conditions do not
  apply to text and are dropped (listed in the file).

Rules that duplicate a hand-written recognizer of ``secrets.yml`` are skipped (``COVERED``;
``tests/unit/test_privacy_public_rules.py`` checks that ours really catches samples of
theirs), as are the rules in ``SKIPPED``. The skips are recorded in the generated file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 dev environments
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "scripts" / "data" / "gitleaks"
TOML = DATA / "gitleaks.toml"
OUT = ROOT / "src" / "mcp_llm_trace" / "privacy" / "secrets_public.yml"

#: Upstream rules that a recognizer of secrets.yml (or its assignment_keys) already covers.
COVERED: dict[str, str] = {
    "anthropic-admin-api-key": "anthropic_api_key",
    "anthropic-api-key": "anthropic_api_key",
    "azure-ad-client-secret": "azure_ad_client_secret",
    "gcp-api-key": "google_api_key",
    "github-app-token": "github_token",
    "github-fine-grained-pat": "github_token",
    "github-oauth": "github_token",
    "github-pat": "github_token",
    "github-refresh-token": "github_token",
    "gitlab-cicd-job-token": "gitlab_token",
    "gitlab-deploy-token": "gitlab_token",
    "gitlab-feature-flag-client-token": "gitlab_token",
    "gitlab-feed-token": "gitlab_token",
    "gitlab-incoming-mail-token": "gitlab_token",
    "gitlab-kubernetes-agent-token": "gitlab_token",
    "gitlab-oauth-app-secret": "gitlab_token",
    "gitlab-pat": "gitlab_token",
    "gitlab-ptt": "gitlab_token",
    "gitlab-rrt": "gitlab_token",
    "gitlab-runner-authentication-token": "gitlab_token",
    "gitlab-scim-token": "gitlab_token",
    "huggingface-access-token": "huggingface_token",
    "huggingface-organization-api-token": "huggingface_token",
    "openai-api-key": "openai_api_key",
    "pypi-upload-token": "npm_pypi_token",
    "slack-bot-token": "slack_token",
    "slack-legacy-bot-token": "slack_token",
    "slack-legacy-token": "slack_token",
    "slack-user-token": "slack_token",
}

#: Upstream rules that are not converted, and why.
SKIPPED: dict[str, str] = {
    "pkcs12-file": "path-only rule (flags .p12/.pfx file names); there is no content to match",
    "generic-api-key": (
        "replaced by the hand-written generic_secret_assignment recognizer of secrets.yml "
        "(same idea: secret-like key, separator, high-entropy value; stricter on code and "
        "prose, no 1,446-word stopword list)"
    ),
}

#: Rules whose capture groups are fragments of the secret: the whole match is replaced.
WHOLE_MATCH: dict[str, str] = {
    "microsoft-teams-webhook": "its groups are repeated UUID pieces; the URL is the secret",
    "jwt-base64": "its named groups are the encoded JOSE header names only",
}

#: Rewrites of upstream regexes that backtrack badly in Python (RE2 is linear-time; ``re``
#: is not): rule id -> [(old, new)], applied to the Go source. Found by ``--stress``.
_LINE = r"(?:.*?|.*?(?:[\r\n]{1,2}.*?){1,5})"
_LINE_GREEDY = r"(?:.*|.*(?:[\r\n]{1,2}.*){1,5})"
REWRITES: dict[str, list[tuple[str, str]]] = {
    # "curl" then anything up to -H/-u on the same line or the next five: quadratic when a
    # text holds many "curl" words; each line piece is bounded to 300 characters.
    "curl-auth-header": [(_LINE, _LINE.replace("*?", "{0,300}?"))],
    "curl-auth-user": [(_LINE_GREEDY, _LINE_GREEDY.replace("*", "{0,300}"))],
}

#: Entity name prefixes that are not identifiers.
ENTITY_RENAMES = {"1PASSWORD": "ONEPASSWORD"}

#: Leading lazy key-name prefixes of keyword-anchored rules (see the module docstring).
_LAZY_PREFIXES = (r"[\w.-]{0,50}?",)

_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "space": r"\t\n\x0b\x0c\r ",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
    "punct": r"!-/:-@\[-`{-~",
}


class Unsupported(ValueError):
    """A Go RE2 construct this converter does not translate."""


# ---------------------------------------------------------------------- regex conversion


def _convert_class(go: str, i: int) -> tuple[str, int]:
    """The Python form of the character class starting at ``go[i] == '['``; its end."""
    out = ["["]
    i += 1
    if i < len(go) and go[i] == "^":
        out.append("^")
        i += 1
    first = True
    while i < len(go):
        c = go[i]
        if c == "]" and not first:
            out.append("]")
            return "".join(out), i + 1
        first = False
        if c == "\\":
            nxt = go[i + 1]
            if nxt in "pPQEC":
                raise Unsupported(f"\\{nxt} in a class")
            out.append(go[i : i + 2])
            i += 2
            continue
        if go.startswith("[:", i):
            end = go.index(":]", i + 2)
            name = go[i + 2 : end]
            if name.startswith("^") or name not in _POSIX:
                raise Unsupported(f"[:{name}:]")
            out.append(_POSIX[name])
            i = end + 2
            continue
        if c in "[&~|" or (c == "-" and out[-1] == "-"):
            out.append("\\" + c)  # Python reads these (doubled) as future set operations
        else:
            out.append(c)
        i += 1
    raise Unsupported("unterminated character class")


_FLAG_GROUP = re.compile(r"\(\?([imsU]*)(?:-([imsU]*))?(\)|:)")


def convert_regex(go: str) -> str:
    """Translate a Go RE2 pattern into an equivalent Python ``re`` pattern (with re.ASCII).

    Raises :class:`Unsupported` for constructs without a safe translation (``\\p{..}``,
    ``\\Q..\\E``, the ``U`` flag, ``\\C``).
    """
    out: list[str] = []
    # For each open group: the scoped flag groups opened by bare "(?flags)" inside it.
    stack: list[list[str]] = [[]]
    i = 0
    while i < len(go):
        c = go[i]
        if c == "\\":
            nxt = go[i + 1]
            if nxt in "pPQEC":
                raise Unsupported(f"\\{nxt}")
            if nxt == "z":
                out.append(r"\Z")
            elif nxt == "x" and go.startswith("{", i + 2):
                end = go.index("}", i)
                out.append(f"\\U{int(go[i + 3 : end], 16):08x}")
                i = end + 1
                continue
            else:
                out.append(go[i : i + 2])
            i += 2
            continue
        if c == "[":
            cls, i = _convert_class(go, i)
            out.append(cls)
            continue
        if c == "{" and go.startswith("{,", i):
            out.append(r"\{")  # RE2: a literal brace; Python 3.11 would read {,n}
            i += 1
            continue
        if c == "(":
            m = _FLAG_GROUP.match(go, i)
            if m:
                on, off, kind = m.group(1), m.group(2) or "", m.group(3)
                if "U" in on + off:
                    raise Unsupported("the U (ungreedy) flag")
                flags = on + ("-" + off if off else "")
                if kind == ")":
                    if not out and not off:
                        out.append(f"(?{on})")  # leading: global, as in Go
                    else:
                        out.append(f"(?{flags}:")
                        stack[-1].append(flags)
                else:
                    out.append(f"(?{flags}:")
                    stack.append([])
                i = m.end()
                continue
            if go.startswith("(?P<", i) or go.startswith("(?:", i):
                end = go.index(">", i) + 1 if go[i + 2] == "P" else i + 3
                out.append(go[i:end])
                i = end
            elif go.startswith("(?<", i):
                out.append("(?P<")
                i += 3
            elif go.startswith("(?", i):
                raise Unsupported(f"group {go[i : i + 4]!r}")
            else:
                out.append("(")
                i += 1
            stack.append([])
            continue
        if c == ")":
            out.append(")" * len(stack.pop()))
            out.append(")")
            i += 1
            continue
        if c == "|":
            active = stack[-1]
            out.append(")" * len(active) + "|" + "".join(f"(?{f}:" for f in active))
            i += 1
            continue
        out.append(c)
        i += 1
    out.append(")" * len(stack.pop()))
    if stack:
        raise Unsupported("unbalanced parentheses")
    return "".join(out)


def strip_lazy_prefix(go: str) -> str:
    """``go`` without the leading ``[\\w.-]{0,50}?`` key-name prefixes (also under a flag)."""
    changed = True
    while changed:
        changed = False
        for lead in ("", "(?i)", "(?i:"):
            for prefix in _LAZY_PREFIXES:
                if go.startswith(lead + prefix):
                    go = lead + go[len(lead + prefix) :]
                    changed = True
    return go


_CROSSING_RANGE = re.compile(r"(?<!\\)(?:[A-Z]-[^A-Z\\\]]|[^A-Za-z\\]-[a-z])")


def lowercase_form(pattern: str) -> str | None:
    """The ``lowercase: true`` form of a converted pattern that is case-insensitive as a
    whole (leading ``(?i)``, no ``(?-i:...)``): letters outside escapes lowercased, scoped
    ``(?i:`` groups made plain. ``None`` when the pattern does not qualify or has a range
    like ``[A-z]`` whose meaning would change. See ``Recognizer.icase`` in patterns.py.
    """
    if not pattern.startswith("(?i)") or "(?-i" in pattern or _CROSSING_RANGE.search(pattern):
        return None
    body = pattern[len("(?i)") :].replace("(?i:", "(?:")
    out: list[str] = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i : i + 2])
            i += 2
        elif body.startswith("(?P", i):
            out.append("(?P")
            i += 3
        else:
            out.append(body[i].lower())
            i += 1
    return "".join(out)


_LEADING_BOUNDARY = re.compile(r"\\b(\(*)([A-Za-z0-9_])")


def move_leading_boundary(pattern: str) -> str:
    """``\\b(x...`` -> ``(x(?<!\\wx)...``: the same test (``x`` is a word character), made
    after ``x`` so that the pattern starts with a literal and ``re`` can skip ahead to the
    next ``x`` instead of trying every position."""
    m = _LEADING_BOUNDARY.match(pattern)
    if m is None:
        return pattern
    parens, ch = m.groups()
    return f"{parens}{ch}(?<!\\w{ch})" + pattern[m.end() :]


def compile_python(pattern: str) -> re.Pattern[str]:
    """Compile a converted pattern the way the loader does (ASCII), warnings as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return re.compile(pattern, re.ASCII)


# ---------------------------------------------------------------------- rules


def entity_name(rule_id: str) -> str:
    """``slack-bot-token`` -> ``SLACK_BOT_TOKEN`` (the entity type and its label)."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", rule_id).strip("_").upper()
    for old, new in ENTITY_RENAMES.items():
        if name.startswith(old):
            name = new + name[len(old) :]
    return name


def _upstream() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads((DATA / "upstream.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(TOML.read_bytes()).hexdigest()
    if digest != meta["sha256"]:
        raise SystemExit(
            f"{TOML} does not match upstream.json (sha256 {digest}): update upstream.json"
        )
    return meta


def load_upstream() -> dict[str, Any]:
    """The vendored gitleaks configuration (parsed TOML)."""
    with TOML.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    return data


def convert_rule(rule: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One gitleaks rule as a recognizer spec, plus notes on what was dropped."""
    rule_id = rule["id"]
    notes: list[str] = []
    go = strip_lazy_prefix(rule["regex"])
    for old, new in REWRITES.get(rule_id, ()):
        if old not in go:
            raise Unsupported(f"rewrite {old!r} no longer applies")
        go = go.replace(old, new)
        notes.append(f"regex rewritten for Python's backtracking engine: {old} -> {new}")
    py = convert_regex(go)
    compiled = compile_python(py)
    lower = lowercase_form(py)
    if lower is not None:
        lower = move_leading_boundary(lower)
        compile_python(lower)
    else:
        py = move_leading_boundary(py)
    spec: dict[str, Any] = {
        "name": f"gitleaks.{rule_id}",
        "entity": entity_name(rule_id),
        "description": " ".join(str(rule.get("description", "")).split()),
        "regex": py if lower is None else lower,
    }
    if lower is not None:
        spec["lowercase"] = True
    if rule_id in WHOLE_MATCH:
        group: int | str = 0
    elif "secretGroup" in rule:
        group = int(rule["secretGroup"])
    elif compiled.groups == 0:
        group = 0
    elif compiled.groups == 1:
        group = 1
    else:
        group = "first"
    if group != 0:
        spec["group"] = group
    spec["flags"] = ["ASCII"]
    keywords = list(dict.fromkeys(str(k).lower() for k in rule.get("keywords", ())))
    if not keywords:
        raise Unsupported("no keywords (every rule needs a literal prefilter)")
    spec["prefilter"] = keywords
    if rule.get("entropy"):
        spec["validator"] = f"entropy>{float(rule['entropy']):g}"
    if "path" in rule:
        notes.append(f"path condition {rule['path']!r} dropped (text, not files)")
    allow: list[str] = []
    allow_match: list[str] = []
    stopwords: list[str] = []
    for al in rule.get("allowlists", ()):
        target = al.get("regexTarget", "secret")
        regexes = [convert_regex(r) for r in al.get("regexes", ())]
        for r in regexes:
            compile_python(r)
        if al.get("paths") or al.get("commits"):
            if al.get("condition", "OR").upper() == "AND":
                notes.append("an allowlist that also needs a path/commit is dropped")
                continue
            notes.append("allowlist paths/commits dropped (text, not files)")
        if target == "secret":
            allow.extend(regexes)
        elif target == "match":
            allow_match.extend(regexes)
        elif regexes:
            notes.append(f"allowlist regexes on the {target} dropped")
        stopwords.extend(str(w).lower() for w in al.get("stopwords", ()))
    if allow:
        spec["allow"] = allow
    if allow_match:
        spec["allow_match"] = allow_match
    if stopwords:
        spec["stopwords"] = sorted(set(stopwords))
    return spec, notes


def build(data: dict[str, Any]) -> dict[str, Any]:
    """Everything the YAML holds: upstream record, defaults, skips and recognizers."""
    recognizers: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    dropped: list[dict[str, str]] = []
    for rule in data["rules"]:
        rule_id = rule["id"]
        if rule_id in COVERED:
            skipped.append({"id": rule_id, "reason": f"covered by secrets.yml: {COVERED[rule_id]}"})
            continue
        if rule_id in SKIPPED:
            skipped.append({"id": rule_id, "reason": SKIPPED[rule_id]})
            continue
        try:
            spec, notes = convert_rule(rule)
        except (Unsupported, re.error, FutureWarning) as exc:
            skipped.append({"id": rule_id, "reason": f"not convertible: {exc}"})
            continue
        recognizers.append(spec)
        dropped.extend({"id": rule_id, "what": n} for n in notes)
    glob = data.get("allowlist", {})
    allow = [convert_regex(r) for r in glob.get("regexes", ())]
    for r in allow:
        compile_python(r)
    defaults: dict[str, Any] = {"flags": ["ASCII"]}
    if allow:
        defaults["allow"] = allow
    if glob.get("stopwords"):
        defaults["stopwords"] = sorted({str(w).lower() for w in glob["stopwords"]})
    if glob.get("paths"):
        dropped.append({"id": "(global allowlist)", "what": "path conditions dropped"})
    return {
        "defaults": defaults,
        "skipped": skipped,
        "dropped": dropped,
        "recognizers": recognizers,
    }


# ---------------------------------------------------------------------- YAML output


def _q(value: object) -> str:
    """A YAML scalar: single-quoted strings (no escapes to get wrong), bare numbers."""
    if isinstance(value, bool) or value is None:
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if "\n" in text or "\r" in text:
        raise ValueError(f"multi-line scalar {text!r}")
    return "'" + text.replace("'", "''") + "'"


def _list(values: Iterable[object]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


def _block(key: str, values: Sequence[object], indent: str) -> list[str]:
    if len(values) <= 3 and sum(len(str(v)) for v in values) < 60:
        return [f"{indent}{key}: {_list(values)}"]
    return [f"{indent}{key}:", *(f"{indent}  - {_q(v)}" for v in values)]


def render(data: dict[str, Any] | None = None) -> str:
    """The text of secrets_public.yml."""
    meta = _upstream()
    built = build(data if data is not None else load_upstream())
    licence = (DATA / "LICENSE").read_text(encoding="utf-8").strip().splitlines()
    lines = [
        "# GENERATED FILE - do not edit. Source: gitleaks' default rule set, converted by",
        "#   python scripts/gen_secret_rules.py          (check: --check)",
        f"# Upstream: {meta['name']} {meta['version']}, {meta['repository']}",
        f"#   {meta['path']} at commit {meta['commit']}",
        f"#   (sha256 {meta['sha256']}; vendored in scripts/data/gitleaks/)",
        f"# Licence of the upstream rules: {meta['licence']}, {meta['copyright']}:",
        "#",
        *(f"#   {line}".rstrip() for line in licence),
        "#",
        "# Same format as secrets.yml (see patterns.py); loaded after it by the Scrubber.",
        "# `defaults` apply to every recognizer below (gitleaks' global allowlist): a finding",
        "# whose secret matches an `allow` regex (or whose match matches `allow_match`, or",
        "# that contains a stopword) is dropped. Validator `entropy>X`: Shannon entropy of",
        "# the secret must exceed X bits per character. `group: first`: the first non-empty",
        "# capture group is the secret (gitleaks' rule).",
        "version: 1",
        "",
        "upstream:",
        *(
            f"  {k}: {_q(meta[k])}"
            for k in ("name", "version", "repository", "path", "commit", "licence", "copyright")
        ),
        "",
        "defaults:",
    ]
    defaults = built["defaults"]
    lines.append(f"  flags: {_list(defaults['flags'])}")
    for key in ("allow", "stopwords"):
        if key in defaults:
            lines.extend(_block(key, defaults[key], "  "))
    lines += ["", "# Upstream rules not converted, and why.", "skipped:"]
    lines += [f"  - {{id: {_q(s['id'])}, reason: {_q(s['reason'])}}}" for s in built["skipped"]]
    lines += ["", "# Upstream conditions that do not apply to text and were dropped.", "dropped:"]
    lines += [f"  - {{id: {_q(d['id'])}, what: {_q(d['what'])}}}" for d in built["dropped"]]
    lines += ["", f"# {len(built['recognizers'])} recognizers", "recognizers:"]
    for spec in built["recognizers"]:
        lines.append(f"  - name: {_q(spec['name'])}")
        for key in ("entity", "description", "regex", "group"):
            if key in spec:
                lines.append(f"    {key}: {_q(spec[key])}")
        if spec.get("lowercase"):
            lines.append("    lowercase: true")
        for key in ("flags", "prefilter"):
            lines.append(f"    {key}: {_list(spec[key])}")
        if "validator" in spec:
            lines.append(f"    validator: {_q(spec['validator'])}")
        for key in ("allow", "allow_match", "stopwords"):
            if key in spec:
                lines.extend(_block(key, spec[key], "    "))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- stress test


def stress_inputs(spec: dict[str, Any], size: int = 10_000) -> list[str]:
    """Hostile texts for one rule: its keywords followed by long runs that almost match."""
    kw = spec["prefilter"][0]
    runs = ["a", "A1", "0", " ", "-", "=", "a.", "\n", "'", "=a", "_"]
    out = [kw + r * (size // len(r)) for r in runs]
    out.append((kw + " = ") * (size // (len(kw) + 3)))
    out.append((kw + "_key: ") * (size // (len(kw) + 6)))
    out.append(("curl -H " + kw + " ") * (size // (len(kw) + 9)))
    out.append((kw + "x" * 40 + "\n") * (size // (len(kw) + 41)))
    return out


def stress(specs: Sequence[dict[str, Any]], limit_ms: float) -> list[tuple[str, float]]:
    """Rules whose slowest hostile input takes more than ``limit_ms`` (name, ms)."""
    import time

    slow: list[tuple[str, float]] = []
    for spec in specs:
        regex = compile_python(spec["regex"])
        worst = 0.0
        for text in stress_inputs(spec):
            if spec.get("lowercase"):
                text = text.lower()
            t0 = time.perf_counter()
            for _ in regex.finditer(text):
                pass
            worst = max(worst, (time.perf_counter() - t0) * 1000)
        if worst > limit_ms:
            slow.append((spec["name"], worst))
    return slow


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--stress", action="store_true", help="time regexes on hostile text")
    args = parser.parse_args(argv)
    text = render()
    if args.stress:
        specs = build(load_upstream())["recognizers"]
        for name, ms in stress(specs, limit_ms=50.0):
            print(f"slow: {name}: {ms:.0f} ms on 10 KB", file=sys.stderr)
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python scripts/gen_secret_rules.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
