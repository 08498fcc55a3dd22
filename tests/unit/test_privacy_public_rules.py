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
import re
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _public():  # type: ignore[no-untyped-def]
    from mcp_llm_trace.privacy.patterns import load_pack

    return load_pack("secrets_public.yml")


def _all_secret_recognizers():  # type: ignore[no-untyped-def]
    from mcp_llm_trace.privacy.patterns import load_pack

    return load_pack("secrets.yml").recognizers + _public().recognizers


# ------------------------------------------------------------------ one-pass prefilter


_ALPHABET = "aek_-.s1~ x"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=25),
    st.text(_ALPHABET, max_size=80),
)
def test_literal_scanner_is_exact(literals: list[str], text: str) -> None:
    from mcp_llm_trace.privacy.patterns import LiteralScanner

    assert LiteralScanner(literals).present(text) == {lit for lit in literals if lit in text}


def test_literal_scanner_on_the_real_prefilters_and_corpus() -> None:
    from tests.corpus.evaluate import load_corpus

    from mcp_llm_trace.privacy.patterns import LiteralScanner

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
    from tests.corpus.evaluate import load_corpus

    from mcp_llm_trace.privacy.patterns import RecognizerSet, find_all

    recognizers = _all_secret_recognizers()
    rset = RecognizerSet(recognizers)
    total = 0
    for row in load_corpus():
        expected = find_all(recognizers, row["text"])
        assert rset.find_all(row["text"]) == expected
        total += len(expected)
    assert total > 200
