"""Secrets and prefilter literals per piece (``pieces.py``) == the whole-text computation.

Every comparison is between a scrubber that scans pieces (memo on) and one that runs
every detector on the whole text (``_split_secrets = False``, no memo), on the same
texts: the project's and the external corpus, as plain values and inside the JSON shapes
our spans carry, and generated documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.corpus.evaluate import load_corpus
from tests.corpus.external.evaluate import load_corpus as load_external
from tests.unit.test_privacy_secrets import GENERIC_POSITIVE, POSITIVE

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber
from mcp_llm_trace.privacy.patterns import Recognizer
from mcp_llm_trace.privacy.pieces import MIN_PIECE, PieceIndex, PieceScanner, is_local


def _rec(regex: str, flags: int = 0, **kw: Any) -> Recognizer:
    return Recognizer(name="t", entity="T", regex=re.compile(regex, flags), **kw)


def test_local_recognizers_cannot_match_a_quote_nor_anchor() -> None:
    for regex in (
        r"(?<![A-Za-z0-9_])sk_(?:live|test)_[0-9A-Za-z]{10,}",
        r"\bghp_[A-Za-z0-9]{36}\b",
        r"[MNO](?<![\w-][MNO])[\w-]{23,25}\.[\w-]{6}",
        r"\d(?<!\d\d)\d{7,9}:[A-Za-z0-9_-]{35}(?![\w-])",
        r"(a)b\1",
        r"[^\W\d_\"]+",
    ):
        assert is_local(_rec(regex)), regex
    assert is_local(_rec(r"[a-z]+", re.IGNORECASE))


def test_recognizers_that_can_see_past_a_quote_are_not_local() -> None:
    for regex in (
        r'key"\s*:\s*"\w+',  # a literal quote
        r"key.{0,5}\w+",  # any character
        r"[^,]+",  # a negated class admits the quote
        r"\S+",
        r"\W\w+",
        r"[!-/]x",  # a range over the quote
        r"^token",  # anchors see the text's edge, not the piece's
        r"token$",
        r"\Atoken",
    ):
        assert not is_local(_rec(regex)), regex
    assert not is_local(_rec(r"[a-z]{8}", context=re.compile("pass")))


def _scrubbers() -> tuple[Scrubber, Scrubber]:
    pieces = Scrubber(PrivacyConfig())
    whole = Scrubber(PrivacyConfig(), cache_size=0)
    whole._split_secrets = False
    return pieces, whole


def _findings(s: Scrubber, text: str) -> list[Any]:
    s._cache.clear()
    return sorted(s._detect(text))


def _shapes(texts: list[str]) -> list[str]:
    """Each text as a plain value and inside the JSON documents a span carries."""
    from mcp_llm_trace._internal import messages as msg

    out: list[str] = []
    for i, text in enumerate(texts):
        other = texts[(i + 7) % len(texts)]
        messages = [
            {"role": "system", "content": other},
            {"role": "user", "content": text},
        ]
        out.append(text)
        out.append(msg.to_json(messages))
        out.append(msg.genai_messages_json(messages))
        out.append(msg.to_json({"token": text, "api_key": other[:40], "ok": True}))
    return out


@pytest.fixture(scope="module")
def pair() -> tuple[Scrubber, Scrubber]:
    return _scrubbers()


def test_pieces_find_what_the_whole_text_finds_on_the_corpus(
    pair: tuple[Scrubber, Scrubber],
) -> None:
    pieces, whole = pair
    texts = [r["text"] for r in load_corpus()] + [t for _, t in POSITIVE] + GENERIC_POSITIVE
    found = 0
    for text in _shapes(texts):
        expected = _findings(whole, text)
        assert _findings(pieces, text) == expected, text
        found += sum(1 for p, _ in expected if p == 1)
    assert found >= 500  # secret findings compared: not vacuous
    assert len(pieces._piece_scan) > 0


def test_pieces_find_what_the_whole_text_finds_on_the_external_corpus(
    pair: tuple[Scrubber, Scrubber],
) -> None:
    pieces, whole = pair
    texts = [r["text"] for r in load_external()]
    found = 0
    for text in _shapes(texts):
        expected = _findings(whole, text)
        assert _findings(pieces, text) == expected, text
        found += sum(1 for p, _ in expected if p == 1)
    assert found >= 1000


_TOKENS = st.sampled_from(
    [
        *(t for _, t in POSITIVE[:20]),
        "token",
        "api_key",
        "password=",
        "Authorization: Bearer ",
        ":",
        "=",
        '"',
        '\\"',
        "\\n",
        "'",
        " ",
        ".",
        "Σ",
        "İ",
        "ß",
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0",
        "AC" + "a" * 32,
        "sk-proj-abc123DEF456ghi789JKL0",
        "ghp_" + "A1b2" * 9,
        "call 415-555-0134",
        "nhs 943 476 5919",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_TOKENS, min_size=1, max_size=12).map("".join), min_size=1, max_size=5),
    st.sampled_from(["content", "token", "api_key", "text"]),
)
def test_pieces_match_whole_text_on_generated_documents(parts: list[str], key: str) -> None:
    pieces, whole = _PAIR
    docs = [
        json.dumps([{"role": "user", key: p} for p in parts]),
        json.dumps({key: parts}, ensure_ascii=False),
        "".join(parts),
    ]
    for doc in docs:
        assert _findings(pieces, doc) == _findings(whole, doc), doc


_PAIR = _scrubbers()


def test_short_strings_and_a_different_lowercase_length_are_handled_whole() -> None:
    pieces, _ = _PAIR
    scan = pieces._piece_scan
    assert scan.scan("İstanbul token=abcdef123456", "i̇stanbul token=abcdef123456", None) is None
    short = "x" * (MIN_PIECE - 1)
    result = scan.scan(short, short, None)
    assert result is not None and result.findings == []


def test_a_literal_with_a_quote_switches_pieces_off() -> None:
    pieces, _ = _PAIR
    index = PieceIndex(pieces._secret_set, ['"secret"'])
    assert not index.enabled
    assert PieceScanner(index).scan("some text" * 5, "some text" * 5, None) is None


def test_copies_of_a_message_are_scanned_once() -> None:
    from mcp_llm_trace._internal import messages as msg

    s = Scrubber(PrivacyConfig())
    text = "my discord bot token is MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
    plain = s.scrub_text(text)
    seen: list[str] = []
    scanner = s._piece_scan.index.scanner
    original = scanner.present

    def counting(lowered: str) -> set[str]:
        seen.append(lowered)
        return original(lowered)

    scanner.present = counting  # type: ignore[method-assign]
    try:
        doc = msg.to_json([{"role": "user", "content": text}])
        assert s.scrub_text(doc) == msg.to_json([{"role": "user", "content": plain}])
    finally:
        del scanner.present
    assert text.lower() not in seen  # the message came from the memo
    assert seen == [doc.replace(text, "")]  # only the rest (structure, short strings)


# ---------------------------------------------------------------- chunks of a piece


def test_free_of_tests_classes_and_categories() -> None:
    from mcp_llm_trace.privacy.pieces import pattern_free_of

    assert not pattern_free_of(re.compile(r"a[\s.-]b"), "\n")  # \s holds a newline
    assert pattern_free_of(re.compile(r"a[\s.-]b"), ",")
    assert not pattern_free_of(re.compile(r"[^a-z]"), ",")
    assert pattern_free_of(re.compile(r"[^\W]"), ",")  # a word character: never a comma
    assert not pattern_free_of(re.compile(r"[!-/]"), ",")
    assert not pattern_free_of(re.compile(r"(?<=x.)y"), ",")


def _chunk_finder() -> Any:
    return Scrubber(PrivacyConfig())._gap_chunks


def test_chunks_cut_where_no_gap_recognizer_can_match() -> None:
    chunks = _chunk_finder()
    assert "," in chunks.cut and ";" in chunks.cut and "\n" not in chunks.cut  # phones span \s
    names = {r.name for r, on in zip(chunks.recognizers, chunks.chunked, strict=True) if on}
    assert {"us_ssn", "credit_card", "phone_national", "phone_international"} <= names
    assert "bitcoin_bech32" not in names  # its look-behind has a "."


def test_chunks_find_what_find_all_finds_in_the_same_order() -> None:
    from mcp_llm_trace.privacy.patterns import find_all

    chunks = _chunk_finder()
    texts = [r["text"] for r in load_corpus()] + [r["text"] for r in load_external()]
    # Sentences joined by cut characters, so that long texts are really cut.
    joined = [
        ", ".join(texts[i : i + 4]) + "; " + texts[(i * 7) % len(texts)]
        for i in range(0, len(texts), 3)
    ]
    found = 0
    for text in [*texts, *joined, *joined]:  # the second round answers from the memo
        expected = find_all(chunks.recognizers, text)
        assert chunks.find_all(text) == expected, text
        found += len(expected)
    assert found >= 500 and len(chunks) > 100


_CHUNKY = st.sampled_from(
    [
        ",",
        ";",
        "!",
        "@",
        " ",
        "-",
        ".",
        "\n",
        "+1 415 555 0134",
        "078-05-1120",
        "4111 1111 1111 1111",
        "DE89 3704 0044 0532 0130 00",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "(415) 555-0134",
        "12",
        "0044 20 7946 0958",
        "00:1A:2B:3C:4D:5E",
        "AB123456C",
        "1EG4-TE5-MK73",
        "x" * 30,
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHUNKY, min_size=1, max_size=40).map("".join))
def test_chunks_match_find_all_on_generated_text(text: str) -> None:
    from mcp_llm_trace.privacy.patterns import find_all

    chunks = _CHUNKS
    assert chunks.find_all(text) == find_all(chunks.recognizers, text)
    assert chunks.find_all(text) == find_all(chunks.recognizers, text)  # from the memo


_CHUNKS = Scrubber(PrivacyConfig())._gap_chunks
