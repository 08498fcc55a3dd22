"""The Presidio speed-ups change nothing: each is compared with the stock computation.

* phone islands (``phone_islands.py``) vs Presidio's own ``PhoneRecognizer`` over the
  whole text, on the corpus and on generated phone-like text;
* pattern mode without spaCy and with per-text entity gating (``NEEDS``) vs Presidio's
  ``analyze`` with every entity and the blank spaCy pipeline.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus.evaluate import load_corpus
from tests.support.presidio_gating import assert_gating_is_exact

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.filters import MIN_PHONE_DIGITS
from mcp_llm_trace.privacy.phone_islands import barrier_class

presidio_analyzer = pytest.importorskip("presidio_analyzer")


@pytest.fixture(scope="module")
def scrubber() -> Scrubber:
    s = Scrubber(PrivacyConfig(), cache_size=0)
    s.warm_up()
    assert s.presidio is not None and s.presidio.status == "pattern"
    return s


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [r["text"] for r in load_corpus()]


def _phones(recognizer: Any, text: str) -> set[tuple[int, int]]:
    spans = {(r.start, r.end) for r in recognizer.analyze(text, ["PHONE_NUMBER"], None)}
    return {(a, b) for a, b in spans if sum(c.isdigit() for c in text[a:b]) >= MIN_PHONE_DIGITS}


@pytest.fixture(scope="module")
def phone_pair(scrubber: Scrubber) -> tuple[Any, Any]:
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    engine = scrubber.presidio._engine  # type: ignore[union-attr]
    island = next(r for r in engine.registry.recognizers if isinstance(r, PhoneRecognizer))
    assert type(island).__name__ == "IslandPhoneRecognizer"
    stock = PhoneRecognizer(supported_regions=island.supported_regions)
    return island, stock


def test_phone_islands_find_what_the_stock_recognizer_finds(
    phone_pair: tuple[Any, Any], texts: list[str]
) -> None:
    island, stock = phone_pair
    found = 0
    for text in texts:
        expected = _phones(stock, text)
        assert _phones(island, text) == expected, text
        found += len(expected)
    assert found >= 60  # the corpus has 60 phone numbers: the comparison is not vacuous


_PIECES = st.sampled_from(
    [
        *"0123456789",
        " ",
        "-",
        ".",
        "(",
        ")",
        "+",
        "/",
        ":",
        "T",
        "x",
        ",",
        "\n",
        "#",
        "a",
        "ext. ",
        " ext ",
        "extension ",
        "tel:",
        ";ext=",
        "\t",
        "\xa0",
        "б",
        "ｘ",
        "Bob ",
        "call ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, min_size=5, max_size=60).map("".join))
def test_phone_islands_match_stock_on_generated_text(
    phone_pair: tuple[Any, Any], text: str
) -> None:
    island, stock = phone_pair
    assert _phones(island, text) == _phones(stock, text)


def test_pattern_mode_without_spacy_and_gated_entities_is_exact(
    scrubber: Scrubber, texts: list[str]
) -> None:
    extra = ["a:b:c:d:e:f:a:b and fe80::1", "reach me at x@example.org", "no digits here"]
    assert_gating_is_exact(scrubber, [*texts, *extra])


def test_entity_gating_keeps_all_hex_ipv6(scrubber: Scrubber) -> None:
    # No digit and no "::": the previous skip rule never sent this to Presidio.
    assert "[IP]" in scrubber.scrub_text("peer a:b:c:d:e:f:a:b connected")


def test_barrier_class_refuses_patterns_it_does_not_understand() -> None:
    assert barrier_class(r"\d+.\d+", 0) is None
    assert barrier_class(r"\d+\s\d+", 0) is None
    assert barrier_class(r"[^a]\d", 0) is None
    barriers = barrier_class(r"(?:[(+][- ]{0,2})?\d{1,4}(?:ext)?", re.IGNORECASE)
    assert barriers is not None
    cls = re.compile(barriers)
    assert all(cls.match(c) for c in "bZ\n\"'_")
    assert not any(cls.match(c) for c in "(+- 7eXT٣")


# ---------------------------------------------------------------- issue 14 speed-ups


def test_email_runs_find_what_the_stock_recognizer_finds(
    scrubber: Scrubber, texts: list[str]
) -> None:
    # The e-mail recognizer only looks at runs of non-space characters around an "@";
    # Presidio's own analyze (same offline domain check) looks at the whole text.
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    engine = scrubber.presidio._engine  # type: ignore[union-attr]
    rec = next(r for r in engine.registry.recognizers if isinstance(r, EmailRecognizer))
    extra = [
        "a@b.co,c@d.org;e@f.net",
        "mail\tx@example.com\nnext",
        "x@@example.com y@ex-ample.co.uk.",
        "<bob.smith+tag@example.com>",
        "(jane@example.org)",
    ]
    found = 0
    for text in [*texts, *extra]:
        stock = EmailRecognizer.analyze(rec, text, ["EMAIL_ADDRESS"], None)
        got = rec.analyze(text, ["EMAIL_ADDRESS"], None)
        expected = sorted((r.start, r.end, r.score) for r in stock)
        assert sorted((r.start, r.end, r.score) for r in got) == expected, text
        found += len(expected)
    assert found >= 20  # not vacuous


def _json_docs(texts: list[str]) -> list[str]:
    from mcp_llm_trace._internal import messages as msg

    docs = []
    for i, text in enumerate(texts):
        other = texts[(i + 7) % len(texts)]
        messages = [
            {"role": "system", "content": other},
            {"role": "user", "content": text},
        ]
        docs.append(msg.to_json(messages))
        docs.append(msg.genai_messages_json(messages))
        docs.append(msg.to_json({"query": text, "k": 5, "ok": True}))  # a number: whole text
    return docs


def test_json_documents_split_into_strings_scrub_exactly_like_whole_text(
    texts: list[str],
) -> None:
    # Per-string analysis (jsonslices.py + the piece cache) vs the whole document, on the
    # JSON shapes our spans carry, built from every corpus text.
    split = Scrubber(PrivacyConfig())  # (the piece cache is on with the result cache)
    whole = Scrubber(PrivacyConfig(), cache_size=0)
    whole._split_json = False
    docs = _json_docs(texts)
    changed = 0
    for doc in docs:
        expected = whole.scrub_text(doc)
        assert split.scrub_text(doc) == expected, doc
        changed += expected != doc
    assert changed >= len(texts)  # most documents hold a finding: not vacuous
    assert len(split._pieces) > 0


def test_piece_cache_answers_the_copies_of_a_message() -> None:
    from mcp_llm_trace._internal import messages as msg

    s = Scrubber(PrivacyConfig())
    text = "call me on +1 415 555 0134 or mail jane.doe@example.com"
    plain = s.scrub_text(text)
    seen: list[str] = []
    original = s.presidio.analyze  # type: ignore[union-attr]

    def counting(piece: str) -> Any:
        seen.append(piece)
        return original(piece)

    s.presidio.analyze = counting  # type: ignore[method-assign,union-attr]
    doc = msg.to_json([{"role": "user", "content": text}])
    assert s.scrub_text(doc) == msg.to_json([{"role": "user", "content": plain}])
    assert seen == ["role", "user", "content"]  # the message itself came from the cache


def test_ip_gate_admits_every_ip_form(scrubber: Scrubber) -> None:
    for text in ("at 10.0.0.1 now", "fe80::1", "a:b:c:d:e:f:a:b", "::ffff:10.1.2.3", "::"):
        assert "IP_ADDRESS" in scrubber.presidio.entities_for(text), text  # type: ignore[union-attr]
    assert "IP_ADDRESS" not in scrubber.presidio.entities_for("Note: 12 items")  # type: ignore[union-attr]


def test_piece_cache_is_off_with_the_result_cache() -> None:
    s = Scrubber(PrivacyConfig(), cache_size=0)
    s.scrub_text('[{"role": "user", "content": "mail jane.doe@example.com"}]')
    assert len(s._pieces) == 0  # cache_size=0 measures real work: nothing remembered


# ---------------------------------------------------------------- strict (ASCII) gates


def _external_texts() -> list[str]:
    from tests.corpus.external.evaluate import load_corpus as load_external

    return [r["text"] for r in load_external()]


def test_strict_gates_are_active_for_the_installed_presidio(scrubber: Scrubber) -> None:
    # Every pattern of these recognizers is known (PATTERN_NEEDS): a Presidio upgrade that
    # changes one falls back to NEEDS, and this test says so.
    strict = scrubber.presidio.strict_needs  # type: ignore[union-attr]
    assert {"CREDIT_CARD", "US_SSN", "IBAN_CODE", "US_ITIN"} <= set(strict)


def _pattern_pairs(scrubber: Scrubber) -> list[tuple[Any, re.Pattern[str]]]:
    """(Presidio's compiled pattern, its PATTERN_NEEDS gate) for every known pattern."""
    import regex

    from mcp_llm_trace.privacy.presidio_engine import PATTERN_NEEDS

    engine = scrubber.presidio._engine  # type: ignore[union-attr]
    pairs = []
    for rec in engine.registry.recognizers:
        for p in getattr(rec, "patterns", None) or ():
            gate = PATTERN_NEEDS.get(p.regex)
            if gate is not None:
                pairs.append((regex.compile(p.regex, rec.global_regex_flags), re.compile(gate)))
    assert len(pairs) >= 10  # card, 5 SSN, 3 ITIN, IBAN
    return pairs


def test_every_pattern_match_contains_a_gate_match(scrubber: Scrubber, texts: list[str]) -> None:
    # Each gate is a necessary condition of its pattern on ASCII text (checked on every
    # match of the pattern, not only on the texts that reach a threshold).
    pairs = _pattern_pairs(scrubber)
    matched = 0
    for text in [*texts, *_external_texts()]:
        if not text.isascii():
            continue
        for pattern, gate in pairs:
            for m in pattern.finditer(text):
                matched += 1
                assert gate.search(m.group(0)), (pattern.pattern, m.group(0))
    assert matched >= 100  # not vacuous


_NUMBERISH = st.sampled_from([*"0123456789", *"0123456789", " ", "-", ".", "9", "5", "4"])
_IBANISH = st.sampled_from([*"ABDEGZ", *"abdz", *"0123456789", " ", "-", "_", ".", "DE89"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_NUMBERISH, _IBANISH), min_size=4, max_size=48).map("".join))
def test_gates_hold_on_generated_numbers(scrubber: Scrubber, text: str) -> None:
    for pattern, gate in _pattern_pairs(scrubber):
        for m in pattern.finditer(text):
            assert gate.search(m.group(0)), (pattern.pattern, m.group(0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_NUMBERISH, _IBANISH), min_size=4, max_size=60).map("".join))
def test_strict_gating_matches_presidio_on_generated_text(scrubber: Scrubber, text: str) -> None:
    assert_gating_is_exact(scrubber, [text, f"card {text} end", f"x{text}"])


def test_strict_gating_is_exact_on_the_external_corpus(scrubber: Scrubber) -> None:
    texts = [t for t in _external_texts() if t.isascii()]
    assert len(texts) > 1000
    assert_gating_is_exact(scrubber, texts)


def test_strict_gates_skip_numbers_that_cannot_match(scrubber: Scrubber) -> None:
    entities_for = scrubber.presidio.entities_for  # type: ignore[union-attr]
    assert not {"US_SSN", "CREDIT_CARD", "IBAN_CODE"} & set(
        entities_for("call +1 415 555 0134 about ticket 00001234.")
    )
    assert "US_SSN" in entities_for("ssn 078-05-1120")
    assert "CREDIT_CARD" in entities_for("card 4111 1111 1111 1111")
    assert "IBAN_CODE" in entities_for("iban de89 3704 0044 0532 0130 00")
    # Non-ASCII text keeps the plain gates (another engine's Unicode digits).
    assert "US_SSN" in entities_for("call +1 415 555 0134 — ticket 00001234.")


def test_strict_gates_follow_the_threshold() -> None:
    # Under a low threshold the weak SSN/ITIN patterns can report: their gates join in.
    low = Scrubber(PrivacyConfig(threshold=0.04), cache_size=0)
    low.warm_up()
    assert low.presidio is not None
    assert "US_SSN" in low.presidio.entities_for("id 123456789 here")
    default = Scrubber(PrivacyConfig(), cache_size=0)
    assert default.presidio is not None
    assert "US_SSN" not in default.presidio.entities_for("id 123456789 here")
    samples = ["id 123456789 here", "12345-6789", "123-456789", "912-70-1234", "91270 1234"]
    assert_gating_is_exact(low, [*samples, *(r["text"] for r in load_corpus())])


_GATEISH = st.lists(
    st.sampled_from([*"0123456789abcdefABCDEFxyzXYZ_:.- ", "::", "DE", "12", "é", "٣"]),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_GATEISH)
def test_literal_anchored_gates_equal_their_plain_forms(text: str) -> None:
    from mcp_llm_trace.privacy.presidio_engine import NEEDS, PATTERN_NEEDS

    ip = re.compile(r"\d\.\d|::|(?<![\w:])[0-9A-Fa-f]{1,4}:")
    assert bool(NEEDS["IP_ADDRESS"].search(text)) == bool(ip.search(text))
    iban_plain = re.compile(r"[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]{4}){2}")
    iban = next(re.compile(g) for g in PATTERN_NEEDS.values() if "(?<=[A-Za-z]{2}" in g)
    assert bool(iban.search(text)) == bool(iban_plain.search(text))


def _windows_one_island_at_a_time(text: str, islands: re.Pattern[str], n: int) -> list[Any]:
    """The first phone_windows: every island, its digits counted one by one."""
    out = []
    for m in islands.finditer(text):
        a, b = m.span()
        if b - a >= n and len(re.findall(r"\d", text[a:b])) >= n:
            out.append((max(0, a - 1), min(len(text), b + 1)))
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=5, max_size=60).map("".join))
def test_phone_windows_found_in_one_regex_equal_the_island_loop(text: str) -> None:
    from phonenumbers import phonenumbermatcher

    from mcp_llm_trace.privacy.phone_islands import island_regex, phone_windows

    barriers = barrier_class(phonenumbermatcher._PATTERN.pattern, phonenumbermatcher._PATTERN.flags)
    assert barriers is not None
    islands = island_regex(barriers)
    for n in (1, MIN_PHONE_DIGITS):
        assert list(phone_windows(text, islands, n)) == _windows_one_island_at_a_time(
            text, islands, n
        )
