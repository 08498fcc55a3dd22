"""secrets_public.yml: generated from the vendored gitleaks rules, up to date, and working.

* the file is what ``scripts/gen_secret_rules.py`` makes of the vendored toml (``--check``);
* the RE2 -> Python conversion keeps the meaning of flags, classes and anchors;
* every rule kind: positives generated from the rule's own regex (seeded, see
  ``tests/support/regex_samples.py``; no upstream test strings) are redacted by the default
  Scrubber and their secret does not survive; negatives (the keyword or prefix alone, a
  truncated value, ordinary code lines naming the vendor) are left alone;
* rules skipped as duplicates are really covered by our hand-written pack;
* no regex backtracks badly on hostile text.
"""

from __future__ import annotations

import importlib.util
import random
import re
import zlib
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus.evaluate import load_corpus
from tests.support.regex_samples import group_sample, matching_sample

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.patterns import (
    LiteralScanner,
    PatternPack,
    Recognizer,
    RecognizerSet,
    compile_recognizer,
    find_all,
    load_pack,
)

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_secret_rules", ROOT / "scripts" / "gen_secret_rules.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _script()


# ------------------------------------------------------------------ generated file


def test_secrets_public_yml_is_up_to_date(gen: ModuleType) -> None:
    current = gen.OUT.read_text(encoding="utf-8")
    assert current == gen.render(), (
        "secrets_public.yml is out of date: run python scripts/gen_secret_rules.py"
    )


def test_check_mode_detects_drift(tmp_path: Path) -> None:
    module = _script()
    module.OUT = tmp_path / "secrets_public.yml"
    assert module.main(["--check"]) == 1  # missing
    assert module.main([]) == 0
    assert module.main(["--check"]) == 0
    module.OUT.write_text("stale\n", encoding="utf-8")
    assert module.main(["--check"]) == 1


def test_header_records_upstream_licence_and_version(gen: ModuleType) -> None:
    text = gen.OUT.read_text(encoding="utf-8")
    head = text[: text.index("version: 1")]
    assert "gitleaks" in head
    assert "MIT" in head and "Copyright (c) 2019 Zachary Rice" in head
    assert "Permission is hereby granted" in head  # the licence text itself
    assert "v8.30.1" in head and "b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b" in head
    assert "python scripts/gen_secret_rules.py" in head
    assert (ROOT / "scripts" / "data" / "gitleaks" / "LICENSE").read_text().startswith("MIT")


# ------------------------------------------------------------------ RE2 -> Python


@pytest.mark.parametrize(
    ("go", "python"),
    [
        (r"\b(p8e-(?i)[a-z0-9]{32})\b", r"\b(p8e-(?i:[a-z0-9]{32}))\b"),
        (r"(?i)abc", r"(?i)abc"),  # leading flags stay global
        (r"x(?i)a|b", r"x(?i:a)|(?i:b)"),  # flags run to the group's end, across '|'
        (r"(?:x(?-i:Y)z)", r"(?:x(?-i:Y)z)"),
        (r"pat[[:alnum:]]{14}", r"pat[0-9A-Za-z]{14}"),
        (r"a\z", r"a\Z"),
        (r"a{,3}", r"a\{,3}"),  # a literal brace in RE2
        (r"[a&&b]", r"[a\&\&b]"),
        (r"(?<name>x)", r"(?P<name>x)"),
    ],
)
def test_convert_regex(gen: ModuleType, go: str, python: str) -> None:
    assert gen.convert_regex(go) == python
    gen.compile_python(python)


@pytest.mark.parametrize("go", [r"\pL+", r"\Qa.b\E", r"(?U)a+", r"[[:^alpha:]]"])
def test_convert_regex_refuses_what_it_cannot_translate(gen: ModuleType, go: str) -> None:
    with pytest.raises(gen.Unsupported):
        gen.convert_regex(go)


def test_scoped_flags_keep_their_meaning(gen: ModuleType) -> None:
    regex = gen.compile_python(gen.convert_regex(r"\b(LTAI(?i)[a-z0-9]{20})\b"))
    assert regex.search("LTAI" + "aBcD" * 5)
    assert not regex.search("ltai" + "aBcD" * 5)  # the prefix stays case-sensitive


def test_lazy_key_prefix_is_dropped_only_at_the_start(gen: ModuleType) -> None:
    assert gen.strip_lazy_prefix(r"(?i)[\w.-]{0,50}?(?:x)") == "(?i)(?:x)"
    assert gen.strip_lazy_prefix(r"[\w.-]{0,50}?(?i:[\w.-]{0,50}?(?:x))") == "(?i:(?:x))"
    assert gen.strip_lazy_prefix(r"a[\w.-]{0,50}?") == r"a[\w.-]{0,50}?"


def test_entity_names(gen: ModuleType) -> None:
    assert gen.entity_name("slack-bot-token") == "SLACK_BOT_TOKEN"
    assert gen.entity_name("1password-secret-key") == "ONEPASSWORD_SECRET_KEY"
    for entity in {r.entity for r in _public().recognizers}:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", entity), entity


def _public() -> PatternPack:
    return load_pack("secrets_public.yml")


def _all_secret_recognizers() -> tuple[Recognizer, ...]:
    return load_pack("secrets.yml").recognizers + _public().recognizers


# ------------------------------------------------------------------ one-pass prefilter


_ALPHABET = "aek_-.s1~ x"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=25),
    st.text(_ALPHABET, max_size=80),
)
def test_literal_scanner_is_exact(literals: list[str], text: str) -> None:
    assert LiteralScanner(literals).present(text) == {lit for lit in literals if lit in text}


def test_literal_scanner_on_the_real_prefilters_and_corpus() -> None:
    literals = sorted({p for r in _all_secret_recognizers() for p in r.prefilter})
    scanner = LiteralScanner(literals)
    hits = 0
    for row in load_corpus():
        low = row["text"].lower()
        expected = {lit for lit in literals if lit in low}
        assert scanner.present(low) == expected, row["text"]
        hits += len(expected)
    assert hits > 500  # the comparison is not vacuous


def test_recognizer_set_finds_what_every_recognizer_finds() -> None:
    recognizers = _all_secret_recognizers()
    rset = RecognizerSet(recognizers)
    total = 0
    for row in load_corpus():
        expected = find_all(recognizers, row["text"])
        assert rset.find_all(row["text"]) == expected
        total += len(expected)
    assert total > 200


# ------------------------------------------------------------------ every rule kind

SAMPLES_PER_RULE = 3
#: Sentences a secret is embedded in; a sample is kept when the rule finds it there.
TEMPLATES = ["{s}", "config: {s}\n", "The tool returned {s} for the request.", "{s}\nnext line"]


def _rule_ids() -> list[str]:
    return [r.name for r in _public().recognizers]


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    """The default recognizers (regex PII: Presidio does not touch secrets)."""
    return Scrubber(PrivacyConfig(presidio=False), cache_size=0)


def _rule(name: str) -> Recognizer:
    return next(r for r in _public().recognizers if r.name == name)


def _secrets(rule: Recognizer, text: str) -> list[str]:
    return [text[f.start : f.end] for f in rule.find(text, text.lower())]


def _in_context(rule: Recognizer, sample: str, i: int) -> str:
    text = TEMPLATES[i % len(TEMPLATES)].format(s=sample)
    if not any(k in text.lower() for k in rule.prefilter):
        text = f"{rule.prefilter[0]} {text}"  # gitleaks' keyword condition: the vendor is named
    return text


def _positives(rule: Recognizer) -> list[str]:
    rng = random.Random(zlib.crc32(rule.name.encode()))
    out = []
    for i in range(SAMPLES_PER_RULE):
        sample = matching_sample(
            rule.icase or rule.regex,  # lowercase rules: mixed-case samples from IGNORECASE
            rng,
            lambda s, i=i: bool(_secrets(rule, _in_context(rule, s, i))),
        )
        out.append(_in_context(rule, sample, i))
    return out


def _truncated(rule: Recognizer, text: str, scrubber: Scrubber) -> tuple[str | None, str | None]:
    """``text`` with its secret cut short (a half, a third, a quarter): the first cut the
    rule no longer matches, and the first that no recognizer at all finds a secret in."""
    secret = _secrets(rule, text)[0]
    rule_quiet = all_quiet = None
    for keep in (len(secret) // 2, len(secret) // 3, len(secret) // 4):
        shorter = text.replace(secret, secret[:keep])
        if not _secrets(rule, shorter):
            rule_quiet = rule_quiet or shorter
            if scrubber.scrub_text(shorter) == shorter:
                all_quiet = all_quiet or shorter
    return rule_quiet, all_quiet


def _code_lines(rule: Recognizer) -> list[str]:
    lines = []
    for keyword in rule.prefilter:
        vendor = re.sub(r"[^a-z0-9]+", "_", keyword).strip("_") or "vendor"
        lines += [
            f"the {keyword} prefix alone",
            f"import {vendor}_client",
            f"{vendor}_timeout = 30",
            f"client = {vendor.title()}Client(region='us-east-1', retries=3)",
            f"# See the {keyword} documentation for the token format.",
            f"logger.info('{vendor} request took %d ms', elapsed)",
            f"{vendor.upper()}_ENABLED=true",
        ]
    return lines


@pytest.mark.parametrize("name", _rule_ids())
def test_rule_positives_are_redacted(scrubber: Scrubber, name: str) -> None:
    rule = _rule(name)
    for text in _positives(rule):
        report = scrubber.analyze(text)
        spans = [(a, b) for a, b, _ in report.findings]
        for f in rule.find(text, text.lower()):
            assert any(a <= f.start and f.end <= b for a, b in spans), (text, report.findings)
            assert text[f.start : f.end] not in report.scrubbed, (text, report.scrubbed)


@pytest.mark.parametrize("name", _rule_ids())
def test_rule_negatives_are_left_alone(scrubber: Scrubber, name: str) -> None:
    rule = _rule(name)
    for line in _code_lines(rule):
        assert scrubber.scrub_text(line) == line, line
    for text in _positives(rule):
        rule_quiet, all_quiet = _truncated(rule, text, scrubber)
        assert rule_quiet is not None, text
        assert all_quiet is not None or name in STILL_SECRET_WHEN_CUT, (text, rule_quiet)


#: Rules whose cut-short secrets are still (rightly) redacted by another recognizer.
STILL_SECRET_WHEN_CUT = {
    "gitleaks.curl-auth-header": "the header value after 'token:' is still a password",
    "gitleaks.freemius-secret-key": "the value sits under the key 'secret_key' (assignment)",
    "gitleaks.sidekiq-sensitive-url": "user@host left by the cut is an e-mail address",
    "gitleaks.slack-config-refresh-token": "xoxe- + 10 characters is a Slack token (ours)",
}


# ------------------------------------------------------------------ skips, prefilters, speed


def test_every_rule_has_a_literal_prefilter_and_a_known_entity() -> None:
    rules = _public().recognizers
    assert len(rules) >= 180
    for r in rules:
        assert r.prefilter and all(p == p.lower() and p for p in r.prefilter), r.name
        assert r.name.startswith("gitleaks.")


def test_skips_are_recorded(gen: ModuleType) -> None:
    skipped = {s["id"]: s["reason"] for s in _public().tables["skipped"]}
    assert set(skipped) == set(gen.COVERED) | set(gen.SKIPPED)
    upstream = {r["id"] for r in gen.load_upstream()["rules"]}
    converted = {r.name.removeprefix("gitleaks.") for r in _public().recognizers}
    assert converted | set(skipped) == upstream  # every upstream rule is accounted for
    assert not converted & set(skipped)


@pytest.mark.parametrize("rule_id", sorted(_script().COVERED))
def test_skipped_duplicates_are_covered_by_our_pack(gen: ModuleType, rule_id: str) -> None:
    """Samples of the upstream rule are caught by the recognizer of secrets.yml named in
    COVERED, so skipping theirs loses nothing."""
    upstream = next(r for r in gen.load_upstream()["rules"] if r["id"] == rule_id)
    spec, _notes = gen.convert_rule(upstream)
    theirs = compile_recognizer(spec, origin="test")
    ours = next(r for r in load_pack("secrets.yml").recognizers if r.name == gen.COVERED[rule_id])
    rng = random.Random(zlib.crc32(rule_id.encode()))
    for i in range(20):
        sample = matching_sample(
            theirs.icase or theirs.regex,
            rng,
            lambda s, i=i: bool(_secrets(theirs, _in_context(theirs, s, i))),
        )
        text = _in_context(theirs, sample, i)
        found = list(ours.find(text, text.lower()))
        for f in theirs.find(text, text.lower()):
            assert any(g.start <= f.start and f.end <= g.end for g in found), (rule_id, text)


def test_no_rule_backtracks_badly(gen: ModuleType) -> None:
    """Every regex on hostile 10 KB texts (keywords followed by near-matches); RE2 is
    linear-time, Python's engine is not: a bad one takes seconds, a fine one milliseconds."""
    specs = gen.build(gen.load_upstream())["recognizers"]
    assert gen.stress(specs, limit_ms=500.0) == []


def test_leading_boundary_is_moved_after_the_first_literal(gen: ModuleType) -> None:
    moved = gen.move_leading_boundary(r"\b(ey[a-z]{3})")
    assert moved == r"(e(?<!\we)y[a-z]{3})"
    assert gen.move_leading_boundary(r"\b[a-z]") == r"\b[a-z]"  # not a literal: unchanged
    old, new = re.compile(r"\b(ey[a-z]{3})", re.ASCII), re.compile(moved, re.ASCII)
    for text in ["eyabc", "keyabc", " eyabc", "x-eyabc", "_eyabc", "eyab"]:
        assert [m.span(1) for m in old.finditer(text)] == [m.span(1) for m in new.finditer(text)]


def test_lowercase_form(gen: ModuleType) -> None:
    assert gen.lowercase_form(r"(?i)(?:Twitter)[A-Z0-9](?i:\S)") == r"(?:twitter)[a-z0-9](?:\S)"
    assert gen.lowercase_form(r"(?i)a(?-i:B)") is None  # a case-sensitive part
    assert gen.lowercase_form(r"(?i)[A-z]") is None  # a range whose meaning would change
    assert gen.lowercase_form(r"abc") is None  # not case-insensitive


# Assignment shapes of config files and code (ours): {i} the vendor name as the rule's
# key pattern spells it, {I} upper-cased, {s} a value generated from the secret group.
ASSIGNMENT_SHAPES = [
    '{i}Token="{s}"',
    "{i}_key = {s}",
    '{{"{i}_token": "{s}"}}',
    "{I}_TOKEN={s}\n",
    "<{i}Token>\n  {s}\n</{i}Token>",
    "{i}_secret: '{s}'",
    "{i}_api_key: {s}",
    'string {i}Token = "{s}";',
    "{i}Token := `{s}`",
    "{i}_token = '{s}'",
    'System.setProperty("{I}_TOKEN", "{s}")',
    '  "{i}Token" => "{s}"',
    '{I}_TOKEN ?= "{s}"',
    "export {I}_API_KEY={s}",
]
_SEMI_GENERIC = r"(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)"  # gitleaks' key/value separators
_KEY_WORD = re.compile(r"\(\?:([a-z0-9_.-]+)[|)]")


def _keyword_anchored() -> list[str]:
    return [
        r.name
        for r in _public().recognizers
        if _SEMI_GENERIC in r.regex.pattern and r.group == 1 and _KEY_WORD.match(r.regex.pattern)
    ]


def test_keyword_anchored_rules_are_many() -> None:
    assert len(_keyword_anchored()) >= 75


@pytest.mark.parametrize("name", _keyword_anchored())
def test_keyword_anchored_rule_catches_assignment_shapes(scrubber: Scrubber, name: str) -> None:
    rule = _rule(name)
    m = _KEY_WORD.match(rule.regex.pattern)
    assert m is not None
    vendor = m.group(1)
    rng = random.Random(zlib.crc32(name.encode()))
    for shape in ASSIGNMENT_SHAPES:
        value = group_sample(
            rule.icase or rule.regex, 1, rng, lambda v: rule.validator is None or rule.validator(v)
        )
        text = shape.format(i=vendor, I=vendor.upper(), s=value)
        assert value not in scrubber.scrub_text(text), text
