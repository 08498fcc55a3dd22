"""The generated corpus (tests/corpus, Faker seed 20261106): recall and false redactions.

Thresholds are the documented guarantees (docs/privacy.md): they sit a little under
what is measured, so a regression fails here while noise does not.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.corpus.evaluate import evaluate, load_corpus

from mcp_llm_trace.config import PrivacyConfig
from mcp_llm_trace.privacy import Scrubber

SECRET_MIN_RECALL = 1.0  # every generated secret, every format
PII_MIN_RECALL = {  # Presidio pattern mode + regex gap fillers
    "EMAIL_ADDRESS": 1.0,
    "CREDIT_CARD": 1.0,
    "US_SSN": 1.0,
    "IBAN_CODE": 1.0,
    "IP_ADDRESS": 1.0,
    "PHONE_NUMBER": 0.95,
}
REGEX_PII_MIN_RECALL = {**PII_MIN_RECALL, "PHONE_NUMBER": 0.9}  # presidio: false
MAX_FALSE_REDACTION_RATE = 0.0  # controls: code, UUIDs, hashes, timestamps, versions, models


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return load_corpus()


def _check(result: dict[str, Any], pii_min: dict[str, float]) -> None:
    for typ, recall in result["recall"].items():
        floor = pii_min.get(typ, SECRET_MIN_RECALL)
        assert recall >= floor, (typ, recall, [x for x in result["leaks"] if x["type"] == typ][:3])
    assert result["false_redaction_rate"] <= MAX_FALSE_REDACTION_RATE, result["false_redactions"][
        :5
    ]


def test_corpus_is_big_and_varied(rows: list[dict[str, Any]]) -> None:
    kinds = {r["kind"] for r in rows}
    types = {e["type"] for r in rows for e in r["expected"]}
    assert kinds == {"pii", "secret", "control"}
    assert len(types) >= 20
    assert len(rows) >= 600


def test_presidio_pattern_mode(rows: list[dict[str, Any]]) -> None:
    _check(evaluate(Scrubber(PrivacyConfig(), cache_size=0).scrub_text, rows), PII_MIN_RECALL)


def test_regex_only_mode(rows: list[dict[str, Any]]) -> None:
    s = Scrubber(PrivacyConfig(presidio=False), cache_size=0)
    _check(evaluate(s.scrub_text, rows), REGEX_PII_MIN_RECALL)


@pytest.mark.slow
def test_corpus_file_matches_generator(rows: list[dict[str, Any]]) -> None:
    from tests.corpus.generate import build

    assert build() == rows  # fixed seed: regenerate with tests/corpus/generate.py
